namespace Labd.Protocol;

/// <summary>What a sandbox sees at <see cref="Path"/> (normalized): <c>rw</c>, <c>ro</c> or <c>hidden</c>, and why.</summary>
public sealed record PathAnswer(string Path, string Mode, string Reason);
