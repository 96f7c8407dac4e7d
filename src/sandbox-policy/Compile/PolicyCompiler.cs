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

            if (!CheckExpanded(rule, path, diagnostics))
            {
                continue;
            }

            if (fromPolicy.TryGetValue(path, out var other) && Precedes(other, rule))
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

    /// <summary>
    /// Which of two rules that expand to the same path decides it. Rules literally at one path
    /// were already refused (LP016) or merged when the file was read, so two rules meet here only
    /// through variable values (a plain directory run is both ${LAB} and ${WORKTREE}). The rule
    /// naming the innermost variable wins — a worktree lies in its lab, a lab in a home, as the
    /// most specific path wins — and between rules of one rank the more restrictive mode.
    /// </summary>
    internal static bool Precedes(PathRule a, PathRule b)
    {
        var (rankA, rankB) = (Rank(a), Rank(b));
        return rankA != rankB ? rankA > rankB : Restriction(a.Mode) >= Restriction(b.Mode);
    }

    private static int Rank(PathRule rule) =>
        rule.Path.StartsWith("${WORKTREE}", StringComparison.Ordinal) ? 3
        : rule.Path.StartsWith("${LAB}", StringComparison.Ordinal) ? 2
        : rule.Path.StartsWith("${HOME}", StringComparison.Ordinal) ? 1
        : 0;

    private static int Restriction(AccessMode mode) => mode switch
    {
        AccessMode.Hidden => 2,
        AccessMode.ReadOnly => 1,
        _ => 0,
    };

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
