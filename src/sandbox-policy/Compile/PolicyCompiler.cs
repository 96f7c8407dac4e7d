using System.Collections.Immutable;

namespace Labd.SandboxPolicy;

/// <summary>
/// Compiles an <see cref="EffectivePolicy"/> for one sandbox: expands variables, lays the
/// policy's file rules over <see cref="BaseLayout.Rules"/> (the policy wins at equal paths),
/// forces labd's own directories hidden, and orders binds parents-first then ordinal.
/// </summary>
public static class PolicyCompiler
{
    public static CompileResult Compile(EffectivePolicy policy, PolicyVariables variables)
    {
        var diagnostics = new DiagnosticBag();
        var files = Expand(policy, variables, diagnostics, strict: true);
        if (diagnostics.HasErrors)
        {
            return new CompileResult(null, diagnostics.ToImmutable());
        }

        var spec = new SandboxSpec(
            policy.Name,
            policy.Hash,
            files,
            policy.Egress,
            policy.MaxGpus,
            policy.Limits.ToSandboxLimits(),
            [.. policy.Env.Select(e => e.ToEnvEntry())])
        {
            GpuDevices = policy.GpuDevices,
        };
        return new CompileResult(spec, diagnostics.ToImmutable());
    }

    /// <summary>The merged, ordered file rules. Non-strict (explain) keeps rules whose variable is unset unexpanded.</summary>
    internal static ImmutableArray<FileRule> Expand(EffectivePolicy policy, PolicyVariables variables, DiagnosticBag diagnostics, bool strict)
    {
        var byPath = BaseLayout.Rules.ToDictionary(r => r.Path, StringComparer.Ordinal);
        var fromPolicy = new Dictionary<string, PathRule>(StringComparer.Ordinal);
        foreach (var rule in policy.Files)
        {
            var path = PathText.Expand(rule.Path, variables, out var missing);
            if (path is null)
            {
                if (missing is null)
                {
                    diagnostics.Error(DiagnosticCodes.UnresolvedVariable, $"'{rule.Text}' does not expand to an absolute path", rule.Origin);
                    continue;
                }

                if (strict)
                {
                    diagnostics.Error(DiagnosticCodes.UnresolvedVariable, $"'{rule.Text}' needs ${{{missing}}}, which has no value for this sandbox", rule.Origin);
                    continue;
                }

                path = rule.Path;
            }

            if (fromPolicy.TryGetValue(path, out var other) && other.Mode != rule.Mode)
            {
                diagnostics.Error(DiagnosticCodes.PathConflict, $"'{rule.Text}' and '{other.Text}' (at {other.Origin}) both expand to '{path}' with different modes", rule.Origin, "keep one mode per path");
                continue;
            }

            if (!CheckExpanded(rule, path, diagnostics))
            {
                continue;
            }

            fromPolicy[path] = rule;
            byPath[path] = new FileRule(path, rule.Mode, $"files['{rule.Text}']", rule.Origin);
        }

        foreach (var p in BaseLayout.ProtectedRules)
        {
            byPath[p.Path] = p;
        }

        return [.. byPath.Values.OrderBy(r => r.Path, PathOrder.Instance)];
    }

    private static bool CheckExpanded(PathRule rule, string path, DiagnosticBag diagnostics)
    {
        if (path.StartsWith('$') || !rule.Path.StartsWith('$'))
        {
            return true;
        }

        if (PathText.Forbidden.FirstOrDefault(f => PathText.IsSameOrUnder(path, f)) is { } forbidden)
        {
            diagnostics.Error(DiagnosticCodes.ForbiddenPath, $"'{rule.Text}' expands to '{path}', under {forbidden}", rule.Origin);
            return false;
        }

        // A variable may point below labd's state (a worktree under /var/lib/labd), never at its roots.
        if (rule.Mode != AccessMode.Hidden && PathText.Protected.Any(p => PathText.IsSameOrUnder(p, path)))
        {
            diagnostics.Error(DiagnosticCodes.ProtectedPath, $"'{rule.Text}' expands to '{path}', which would expose labd's policy or state", rule.Origin);
            return false;
        }

        return true;
    }
}
