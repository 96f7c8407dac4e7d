namespace Labd.Runs;

/// <summary>The exit record the supervisor writes atomically to <c>&lt;runDir&gt;/exit.json</c>.</summary>
internal sealed record RunExit(
    RunOutcome Outcome,
    int? ExitCode,
    string? Message,
    DateTimeOffset StartedAt,
    DateTimeOffset EndedAt,
    bool LogTruncated);
