namespace Labd.Protocol;

/// <summary>Answer of <c>GET /v1/labs/resolve?path=DIR</c>: the lab whose repository (or a worktree
/// labd made for it) contains DIR.</summary>
public sealed record LabRef(string Id, string Path);
