namespace Labd.Protocol;

/// <summary>
/// Why labd ended an event stream early (the <c>end</c> event), and where to resume:
/// reconnect with <c>Last-Event-ID</c> (or <c>?since=</c>) <see cref="LastId"/> and nothing is lost.
/// </summary>
public sealed record EventStreamEnd(string Reason, long LastId);
