namespace Labd.Protocol;

/// <summary>Whether a sandbox may reach <see cref="Host"/> (as asked), and why.</summary>
public sealed record HostAnswer(string Host, bool Allowed, string Reason);
