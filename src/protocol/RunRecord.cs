namespace Labd.Protocol;

/// <summary>One run as <c>/v1/runs</c> reports it. <c>Status</c> is <c>running</c> or <c>ended</c>;
/// when ended, <c>Outcome</c> is <c>exited</c> (see <c>ExitCode</c>), <c>timed-out</c>, <c>cancelled</c>,
/// <c>setup-failed</c> or <c>lost</c>.</summary>
public sealed record RunRecord(
    string Id,
    DateTimeOffset CreatedAt,
    int CallerUid,
    string CallerKind,
    string Policy,
    string PolicyHash,
    IReadOnlyList<string> Command,
    string WorkingDirectory,
    int Gpus,
    string Status,
    string? Outcome,
    int? ExitCode,
    string? Message,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt)
{
    public const string Running = "running";
    public const string Ended = "ended";
}
