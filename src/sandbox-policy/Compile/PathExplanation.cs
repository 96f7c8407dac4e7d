namespace Labd.SandboxPolicy;

/// <summary>What a sandbox sees at a path and why; <see cref="Rule"/> is the deciding rule, if any.</summary>
public sealed record PathExplanation(string Path, AccessMode Mode, string Reason, FileRule? Rule);
