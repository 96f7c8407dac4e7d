namespace Labd.Protocol;

/// <summary>One line of <c>GET /v1/agents/{id}/logs</c> (NDJSON): a line of a turn's output (stdout
/// and stderr as the sandbox wrote them, decoded as UTF-8, at most 64 KiB; longer lines come in pieces).</summary>
public sealed record AgentLogLine(int Turn, string Line);
