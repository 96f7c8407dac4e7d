namespace Labd.SandboxPolicy;

/// <summary>
/// One <c>files:</c> entry as written, normalized: variables in the <c>${NAME}</c> form, no
/// duplicate or trailing slashes. Expanded to a <see cref="FileRule"/> at compile time.
/// </summary>
public sealed record PathRule(string Path, AccessMode Mode, string Text, SourceLocation Origin);
