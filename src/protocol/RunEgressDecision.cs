namespace Labd.Protocol;

/// <summary>One line of <c>GET /v1/runs/{id}/egress</c> (NDJSON): an egress decision of the run's proxy.
/// <c>Kind</c> is <c>tls</c>, <c>http</c>, <c>connect</c>, <c>dns</c> or <c>unknown</c>; <c>Reason</c> names the deciding rule.
/// A line of kind <c>dropped</c> is no decision: it counts (<c>Dropped</c>) decisions labd did not log because
/// the run exceeded the egress log's rate limit or size cap, and its <c>Reason</c> says which.</summary>
public sealed record RunEgressDecision(
    DateTimeOffset Time,
    string Kind,
    string Host,
    int Port,
    bool Allowed,
    string Reason,
    string? ResolvedAddress = null,
    string? Note = null,
    long? Dropped = null);
