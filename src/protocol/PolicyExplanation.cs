namespace Labd.Protocol;

/// <summary>Answer of <c>GET /v1/policies/{name}/explain?path=P&amp;host=H</c>, one entry per asked path or host.</summary>
public sealed record PolicyExplanation(
    string Policy,
    string Hash,
    IReadOnlyList<PathAnswer> Paths,
    IReadOnlyList<HostAnswer> Hosts);
