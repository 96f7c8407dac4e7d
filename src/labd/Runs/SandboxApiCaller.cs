using Labd.Api;

namespace Labd.Runs;

/// <summary>The identity a sandbox's own API socket gives whatever connects through it: an agent
/// of a lab, or an experiment (whose run is the sandbox's). Persisted as <c>api.json</c>.</summary>
internal sealed record SandboxApiCaller(CallerKind Kind, string? LabId, string? AgentId)
{
    /// <summary>The agent's role (messages to <c>role:R</c> reach agents of role R only).</summary>
    public string? Role { get; init; }
}
