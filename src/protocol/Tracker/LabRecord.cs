namespace Labd.Protocol;

/// <summary>
/// One lab. <c>Counts</c> (ideas and experiments by status) only in <c>GET /v1/labs/{id}</c>;
/// <c>PromptCreated</c> and <c>DefaultMetrics</c> only in the answer to <c>POST /v1/labs</c>;
/// <c>Problem</c> only in <c>GET /v1/labs</c>: why sandboxes cannot run from the lab, with the fix
/// (null when they can).
/// </summary>
public sealed record LabRecord(
    string Id,
    string Path,
    int OwnerUid,
    string Policy,
    string MainBranch,
    IReadOnlyList<LabMetric> Metrics,
    DateTimeOffset CreatedAt,
    LabCounts? Counts = null,
    bool? PromptCreated = null,
    bool? DefaultMetrics = null,
    string? Problem = null);
