using System.Collections.Immutable;

namespace Labd.SandboxPolicy;

/// <summary>One validated policy file as written (before <c>extends</c> is resolved).
/// <see cref="GpuDevices"/> is set by the list form <c>gpus: [1, 3]</c> (then <see cref="Gpus"/> is its length).</summary>
public sealed record PolicyFile(
    string Name,
    string Path,
    Setting<string>? Extends,
    ImmutableArray<NetworkRule> Allow,
    ImmutableArray<NetworkRule> Deny,
    ImmutableArray<PathRule> Files,
    Setting<int>? Gpus,
    ImmutableArray<int> GpuDevices,
    PolicyLimits Limits,
    ImmutableArray<EnvSetting> Env,
    Setting<ImmutableArray<string>>? Agents)
{
    /// <summary>Kinds the policy gives its own argv (the mapping form of <c>agents</c>); always
    /// set together with <see cref="Agents"/>, which then lists every key of the mapping.</summary>
    public ImmutableDictionary<string, AgentKindOverride> AgentKinds { get; init; } = ImmutableDictionary<string, AgentKindOverride>.Empty;
}
