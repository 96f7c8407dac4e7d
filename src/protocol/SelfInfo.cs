namespace Labd.Protocol;

/// <summary>Answer of <c>GET /v1/self</c>: who labd thinks the caller is. For a caller on a
/// sandbox's own socket, also the lab, agent and run it is confined to.</summary>
public sealed record SelfInfo(string Kind, int Uid, string? UserName, string? Lab = null, string? Agent = null, string? Run = null);
