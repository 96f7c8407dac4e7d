namespace Labd.Agents;

/// <summary>The data of an agent.end event.</summary>
internal sealed record AgentEnd(string Status, string? Reason);
