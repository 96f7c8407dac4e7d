namespace Labd.Api;

/// <summary>
/// What a sandboxed caller is confined to: its lab, and the agent session or experiment run
/// whose per-sandbox socket it connected through.
/// </summary>
internal sealed record CallerScope(string LabId, string? AgentId, string? RunId)
{
    /// <summary>The agent's role, for <c>role:R</c> messages; null for experiments.</summary>
    public string? Role { get; init; }
}
