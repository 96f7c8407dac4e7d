using System.Collections.Immutable;

namespace Labd.SandboxPolicy;

/// <summary>One validated policy file as written (before <c>extends</c> is resolved).</summary>
public sealed record PolicyFile(
    string Name,
    string Path,
    Setting<string>? Extends,
    ImmutableArray<NetworkRule> Allow,
    ImmutableArray<NetworkRule> Deny,
    ImmutableArray<PathRule> Files,
    Setting<int>? Gpus,
    PolicyLimits Limits,
    ImmutableArray<EnvSetting> Env,
    Setting<ImmutableArray<string>>? Agents);
