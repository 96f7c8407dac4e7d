using Labd.Api;

namespace Labd.Runs;

/// <summary>The identity a sandbox's own API socket gives whatever connects through it: an agent
/// of a lab, or an experiment (whose run is the sandbox's). Persisted as <c>api.json</c>.</summary>
internal sealed record SandboxApiCaller(CallerKind Kind, string? LabId, string? AgentId);
