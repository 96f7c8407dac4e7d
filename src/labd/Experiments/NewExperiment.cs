namespace Labd.Experiments;

/// <summary>A checked submission, ready to insert (the seq is assigned in the insert's transaction).</summary>
internal sealed record NewExperiment(
    string Lab,
    int Idea,
    string Commit,
    IReadOnlyList<string> Command,
    SortedDictionary<string, string> Meta,
    IReadOnlyList<string> Tags,
    string DedupeKey,
    int Gpus,
    int? TimeoutSeconds,
    int Priority,
    string Submitter,
    int SubmitterUid);
