namespace Labd.Protocol;

/// <summary>
/// <c>POST /v1/labs/{lab}/experiments</c>: snapshot <c>SourceDirectory</c> (inside the lab) onto
/// idea <c>Idea</c>'s branch and queue <c>Command</c> on it.
/// </summary>
public sealed record ExperimentSubmitRequest(
    int Idea,
    IReadOnlyList<string> Command,
    string SourceDirectory,
    int? Gpus = null,
    int? TimeoutSeconds = null,
    IReadOnlyList<string>? Tags = null,
    IReadOnlyDictionary<string, string>? Meta = null,
    int? Priority = null,
    bool? AllowDuplicate = null);
