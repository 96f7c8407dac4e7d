namespace Labd.Egress;

/// <summary>
/// One egress decision, as served by <c>GET /v1/runs/{id}/egress</c> and written as one
/// JSON line to <c>egress.jsonl</c> in the run directory. Kind is "tls" (SNI), "http" (Host),
/// "connect" (explicit proxy), "dns" or "unknown"; Host is the name exactly as the client
/// sent it (empty when none could be read); ResolvedAddress is what the proxy dialed or
/// refused, when it got that far; Note carries extra facts, e.g. the known residual that a
/// TLS Host header is not inspected. A line of kind "dropped" stands for
/// <see cref="Dropped"/> decisions that were counted but not logged (rate limit or size cap;
/// Reason says which).
/// </summary>
internal sealed record EgressDecisionRecord(
    DateTimeOffset Time,
    string RunId,
    string Kind,
    string Host,
    int Port,
    bool Allowed,
    string Reason,
    string? ResolvedAddress,
    string? Note)
{
    /// <summary>On a "dropped" line, how many decisions it stands for; null otherwise.</summary>
    public long? Dropped { get; init; }
}
