namespace Labd.Protocol;

/// <summary>One experiment as <c>/v1/experiments</c> reports it. <c>Label</c> is <c>exp/&lt;idea&gt;.&lt;seq&gt;</c>;
/// <c>Status</c> is queued, running, succeeded, failed, cancelled or timed_out.</summary>
public sealed record ExperimentRecord(
    long Id,
    string Label,
    string Lab,
    int Idea,
    int Seq,
    string Commit,
    IReadOnlyList<string> Command,
    IReadOnlyDictionary<string, string> Meta,
    IReadOnlyList<string> Tags,
    int Gpus,
    IReadOnlyList<int>? GpuIds,
    int? TimeoutSeconds,
    int Priority,
    string Submitter,
    string Status,
    string? Reason,
    string? RunId,
    int? ExitCode,
    IReadOnlyDictionary<string, double>? Metrics,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt)
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
    public const string TimedOut = "timed_out";

    public bool IsTerminal => Status is Succeeded or Failed or Cancelled or TimedOut;
}
