namespace Labd.Protocol;

/// <summary>Answer of <c>GET /v1/policies</c>: the policy set in force and its generation.</summary>
public sealed record PolicyList(
    long Generation,
    DateTimeOffset LoadedAt,
    string Source,
    bool Embedded,
    IReadOnlyList<PolicySummary> Policies);
