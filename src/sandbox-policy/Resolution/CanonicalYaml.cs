using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Labd.SandboxPolicy;

/// <summary>
/// Writes an <see cref="EffectivePolicy"/> as canonical YAML: fixed key order, every section
/// present, strings double-quoted, files in <see cref="PathOrder"/>, secrets by file reference.
/// The output loads back into the same effective policy; its SHA-256 is the policy hash.
/// </summary>
public static class CanonicalYaml
{
    public static string Write(EffectivePolicy policy)
    {
        var sb = new StringBuilder();
        sb.Append("network:\n");
        WriteRules(sb, "allow", policy.Allow);
        WriteRules(sb, "deny", policy.Deny);
        if (policy.Files.IsEmpty)
        {
            sb.Append("files: {}\n");
        }
        else
        {
            sb.Append("files:\n");
            foreach (var f in policy.Files)
            {
                sb.Append("  ").Append(Quote(f.Path)).Append(": ").Append(PolicyReader.ModeName(f.Mode)).Append('\n');
            }
        }

        sb.Append("gpus: ").Append(policy.GpuDevices.IsEmpty
            ? policy.MaxGpus.ToString(CultureInfo.InvariantCulture)
            : "[" + string.Join(", ", policy.GpuDevices.Select(g => g.ToString(CultureInfo.InvariantCulture))) + "]").Append('\n');
        WriteLimits(sb, policy.Limits);
        WriteEnv(sb, policy);
        if (policy.Agents is { } agents && policy.AgentKinds.IsEmpty)
        {
            sb.Append(agents.Value.IsEmpty ? "agents: []\n" : "agents:\n");
            foreach (var a in agents.Value)
            {
                sb.Append("  - ").Append(Quote(a)).Append('\n');
            }
        }
        else if (policy.Agents is { } named)
        {
            sb.Append("agents:\n");
            foreach (var a in named.Value.Order(StringComparer.Ordinal))
            {
                sb.Append("  ").Append(Quote(a)).Append(':');
                if (!policy.AgentKinds.TryGetValue(a, out var kind))
                {
                    sb.Append(" {}\n");
                    continue;
                }

                sb.Append("\n    command: [").Append(string.Join(", ", kind.Command.Select(Quote))).Append("]\n");
                if (kind.Output is { } output)
                {
                    sb.Append("    output: ").Append(Quote(output)).Append('\n');
                }
            }
        }

        return sb.ToString();
    }

    public static string Hash(string canonical) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));

    private static void WriteRules(StringBuilder sb, string key, IReadOnlyCollection<NetworkRule> rules)
    {
        sb.Append("  ").Append(key).Append(rules.Count == 0 ? ": []\n" : ":\n");
        foreach (var r in rules)
        {
            sb.Append("    - ").Append(Quote(r.CanonicalText())).Append('\n');
        }
    }

    private static void WriteLimits(StringBuilder sb, PolicyLimits limits)
    {
        var lines = new List<string>();
        if (limits.Memory is { } m)
        {
            lines.Add($"memory: {Quote(ValueParsers.FormatSize(m.Value))}");
        }

        if (limits.Cpus is { } c)
        {
            lines.Add($"cpus: {c.Value.ToString("R", CultureInfo.InvariantCulture)}");
        }

        if (limits.Pids is { } p)
        {
            lines.Add($"pids: {p.Value.ToString(CultureInfo.InvariantCulture)}");
        }

        if (limits.Timeout is { } t)
        {
            lines.Add($"timeout: {Quote(ValueParsers.FormatDuration(t.Value))}");
        }

        if (limits.Log is { } l)
        {
            lines.Add($"log: {Quote(ValueParsers.FormatSize(l.Value))}");
        }

        if (limits.Metrics is { } metrics)
        {
            lines.Add($"metrics: {Quote(ValueParsers.FormatSize(metrics.Value))}");
        }

        sb.Append(lines.Count == 0 ? "limits: {}\n" : "limits:\n");
        foreach (var line in lines)
        {
            sb.Append("  ").Append(line).Append('\n');
        }
    }

    private static void WriteEnv(StringBuilder sb, EffectivePolicy policy)
    {
        sb.Append("env:\n");
        foreach (var (key, kind) in new[] { ("set", EnvKind.Set), ("pass", EnvKind.Pass), ("secrets", EnvKind.Secret) })
        {
            var entries = policy.Env.Where(e => e.Kind == kind).ToList();
            if (entries.Count == 0)
            {
                sb.Append("  ").Append(key).Append(kind == EnvKind.Pass ? ": []\n" : ": {}\n");
                continue;
            }

            sb.Append("  ").Append(key).Append(":\n");
            foreach (var e in entries)
            {
                sb.Append(kind == EnvKind.Pass ? $"    - {e.Name}\n" : $"    {e.Name}: {Quote(e.Value ?? "")}\n");
            }
        }
    }

    internal static string Quote(string text)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in text)
        {
            _ = c switch
            {
                '"' => sb.Append("\\\""),
                '\\' => sb.Append("\\\\"),
                < ' ' or (>= '\x7f' and <= '\x9f') => sb.Append($"\\x{(int)c:x2}"),
                '\u2028' or '\u2029' or '\uFEFF' => sb.Append($"\\u{(int)c:x4}"),
                _ => sb.Append(c),
            };
        }

        return sb.Append('"').ToString();
    }
}
