namespace Labd.SandboxPolicy;

/// <summary>A scalar policy setting with where it was written.</summary>
public sealed record Setting<T>(T Value, string Text, SourceLocation Origin);
