using System.Collections.Immutable;

namespace Labd.SandboxPolicy;

/// <summary>
/// Resolves <c>extends</c> chains and merges each chain into an <see cref="EffectivePolicy"/>.
/// Lists of network rules concatenate (ancestors first); files, env and limits merge key by key
/// with the child winning silently; gpus and agents are replaced by the child when it sets them.
/// </summary>
internal static class PolicyResolver
{
    public const int MaxChain = 16;

    /// <summary>Effective policies of every file whose chain resolves; the rest are reported.
    /// <c>invalid</c> names files that exist but failed validation (their errors are already reported).</summary>
    public static ImmutableSortedDictionary<string, EffectivePolicy> Resolve(IReadOnlyDictionary<string, PolicyFile> files, IReadOnlySet<string> invalid, DiagnosticBag diagnostics)
    {
        var result = ImmutableSortedDictionary.CreateBuilder<string, EffectivePolicy>(StringComparer.Ordinal);
        var reportedCycles = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in files.Keys.Order(StringComparer.Ordinal))
        {
            if (Chain(name, files, invalid, diagnostics, reportedCycles) is { } chain)
            {
                result[name] = Merge(chain);
            }
        }

        return result.ToImmutable();
    }

    private static List<PolicyFile>? Chain(string name, IReadOnlyDictionary<string, PolicyFile> files, IReadOnlySet<string> invalid, DiagnosticBag diagnostics, HashSet<string> reportedCycles)
    {
        var chain = new List<PolicyFile> { files[name] };
        while (chain[^1].Extends is { } extends)
        {
            var names = chain.Select(f => f.Name).ToList();
            var at = names.IndexOf(extends.Value);
            if (at >= 0)
            {
                var cycle = names[at..].Append(extends.Value).ToList();
                var key = string.Join(',', cycle.Skip(1).Order(StringComparer.Ordinal));
                if (reportedCycles.Add(key))
                {
                    diagnostics.Error(DiagnosticCodes.ExtendsCycle, $"extends cycle: {string.Join(" -> ", cycle)}", extends.Origin, "remove 'extends' from one of these policies");
                }

                return null;
            }

            if (!files.TryGetValue(extends.Value, out var parent))
            {
                if (invalid.Contains(extends.Value))
                {
                    diagnostics.Error(DiagnosticCodes.UnknownExtends, $"extends '{extends.Value}', which has errors", extends.Origin, $"fix {extends.Value}.yaml first");
                }
                else if (chain.Count == 1)
                {
                    var suggestion = Suggest.DidYouMean(extends.Value, files.Keys) ?? $"known policies: {string.Join(", ", files.Keys.Order(StringComparer.Ordinal))}";
                    diagnostics.Error(DiagnosticCodes.UnknownExtends, $"extends '{extends.Value}': no policy named '{extends.Value}'", extends.Origin, suggestion);
                }

                return null;
            }

            if (chain.Count >= MaxChain)
            {
                diagnostics.Error(DiagnosticCodes.ExtendsCycle, $"extends chain longer than {MaxChain} policies", extends.Origin);
                return null;
            }

            chain.Add(parent);
        }

        chain.Reverse();
        return chain;
    }

    private static EffectivePolicy Merge(List<PolicyFile> chain)
    {
        var allow = ImmutableArray.CreateBuilder<NetworkRule>();
        var deny = ImmutableArray.CreateBuilder<NetworkRule>();
        var files = new Dictionary<string, PathRule>(StringComparer.Ordinal);
        var env = new Dictionary<string, EnvSetting>(StringComparer.Ordinal);
        Setting<int>? gpus = null;
        var gpuDevices = ImmutableArray<int>.Empty;
        Setting<ImmutableArray<string>>? agents = null;
        var agentKinds = ImmutableDictionary<string, AgentKindOverride>.Empty;
        var limits = PolicyLimits.None;
        foreach (var file in chain)
        {
            allow.AddRange(file.Allow);
            deny.AddRange(file.Deny);
            foreach (var rule in file.Files)
            {
                files[rule.Path] = rule;
            }

            foreach (var e in file.Env)
            {
                env[e.Name] = e;
            }

            if (file.Gpus is not null)
            {
                (gpus, gpuDevices) = (file.Gpus, file.GpuDevices);
            }

            if (file.Agents is not null)
            {
                (agents, agentKinds) = (file.Agents, file.AgentKinds);
            }

            limits = file.Limits.Over(limits);
        }

        var leaf = chain[^1];
        return new EffectivePolicy(
            leaf.Name,
            leaf.Path,
            [.. chain.Select(f => f.Name)],
            allow.ToImmutable(),
            deny.ToImmutable(),
            [.. files.Values],
            gpus,
            gpuDevices,
            limits,
            [.. env.Values],
            agents,
            agentKinds);
    }
}
