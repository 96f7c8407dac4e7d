namespace Labd.Protocol;

/// <summary>Answer of <c>GET /v1/policies/{name}</c>: the effective policy after <c>extends</c>.</summary>
public sealed record PolicyDetail(
    string Name,
    string Hash,
    IReadOnlyList<string> Chain,
    string Source,
    long Generation,
    string Yaml);
