using System.Collections.Immutable;

namespace Labd.SandboxPolicy;

/// <summary>
/// A policy after <c>extends</c> is resolved: the merged rules of its chain, with each rule's
/// origin, its egress matcher and the SHA-256 of its canonical form. Immutable.
/// </summary>
public sealed class EffectivePolicy
{
    public EffectivePolicy(
        string name,
        string path,
        ImmutableArray<string> chain,
        ImmutableArray<NetworkRule> allow,
        ImmutableArray<NetworkRule> deny,
        ImmutableArray<PathRule> files,
        Setting<int>? gpus,
        ImmutableArray<int> gpuDevices,
        PolicyLimits limits,
        ImmutableArray<EnvSetting> env,
        Setting<ImmutableArray<string>>? agents,
        ImmutableDictionary<string, AgentKindOverride>? agentKinds = null)
    {
        Name = name;
        Path = path;
        Chain = chain;
        Allow = allow;
        Deny = deny;
        Files = [.. files.OrderBy(f => f.Path, PathOrder.Instance)];
        Gpus = gpus;
        GpuDevices = gpuDevices.IsDefault ? [] : gpuDevices;
        Limits = limits;
        Env = [.. env.OrderBy(e => e.Name, StringComparer.Ordinal)];
        Agents = agents;
        AgentKinds = agentKinds ?? ImmutableDictionary<string, AgentKindOverride>.Empty;
        Egress = new EgressMatcher(allow, deny);
        CanonicalYaml = Labd.SandboxPolicy.CanonicalYaml.Write(this);
        Hash = Labd.SandboxPolicy.CanonicalYaml.Hash(CanonicalYaml);
    }

    public string Name { get; }

    /// <summary>The file this policy was read from, as displayed in diagnostics.</summary>
    public string Path { get; }

    /// <summary>Names from the root ancestor to this policy: <c>[default, gpu-research]</c>.</summary>
    public ImmutableArray<string> Chain { get; }

    public ImmutableArray<NetworkRule> Allow { get; }

    public ImmutableArray<NetworkRule> Deny { get; }

    /// <summary>Merged file rules (child overrides parent at the same path), in <see cref="PathOrder"/>.</summary>
    public ImmutableArray<PathRule> Files { get; }

    public Setting<int>? Gpus { get; }

    /// <summary>The most GPUs one run may lease (0 when no policy in the chain says).</summary>
    public int MaxGpus => Gpus?.Value ?? 0;

    /// <summary>Host GPU indices leases are restricted to; empty means any GPU.</summary>
    public ImmutableArray<int> GpuDevices { get; }

    public PolicyLimits Limits { get; }

    public ImmutableArray<EnvSetting> Env { get; }

    /// <summary>The agent commands a lab may run; null when no policy in the chain restricts them.</summary>
    public Setting<ImmutableArray<string>>? Agents { get; }

    public EgressMatcher Egress { get; }

    /// <summary>The effective policy as canonical YAML (<c>labctl policy show</c>); secrets by reference only.</summary>
    public string CanonicalYaml { get; }

    /// <summary>Lowercase hex SHA-256 of <see cref="CanonicalYaml"/>.</summary>
    public string Hash { get; }

    /// <summary>Kinds this policy gives its own argv (from the nearest file in the chain that sets
    /// <c>agents</c>).</summary>
    public ImmutableDictionary<string, AgentKindOverride> AgentKinds { get; }

    public bool AllowsAgent(string agent) => Agents is null || Agents.Value.Contains(agent);

    /// <summary>Kind <paramref name="name"/> as labs under this policy run it: this policy's own argv
    /// if it gives one (output defaulting to <paramref name="configured"/>'s, else text), else
    /// labd.yaml's kind; credentials always labd.yaml's. Null when neither knows the name.</summary>
    public Config.AgentKindConfig? AgentKind(IReadOnlyDictionary<string, Config.AgentKindConfig> configured, string name)
    {
        configured.TryGetValue(name, out var kind);
        return AgentKinds.TryGetValue(name, out var own)
            ? new Config.AgentKindConfig(own.Command, own.Output ?? kind?.Output ?? Config.AgentKindConfig.Text, kind?.Credentials ?? ImmutableDictionary<string, string>.Empty)
            : kind;
    }
}
