using System.Collections.Immutable;
using Labd.SandboxPolicy.Yaml;

namespace Labd.SandboxPolicy;

internal sealed partial class PolicyReader
{
    private static readonly string[] NetworkKeys = ["allow", "deny"];

    private void ReadNetwork(YamlNode value)
    {
        if (Mapping(value, "network") is not { } network)
        {
            return;
        }

        foreach (var (key, node) in network.Entries)
        {
            switch (key.Value)
            {
                case "allow":
                    _allow = ReadRules(node, NetworkRuleKind.Allow);
                    break;
                case "deny":
                    _deny = ReadRules(node, NetworkRuleKind.Deny);
                    break;
                default:
                    UnknownKey(key, NetworkKeys, "network");
                    break;
            }
        }

        WarnOverlaps();
    }

    private ImmutableArray<NetworkRule> ReadRules(YamlNode node, NetworkRuleKind kind)
    {
        var what = kind == NetworkRuleKind.Allow ? "network.allow" : "network.deny";
        if (Sequence(node, what) is not { } list)
        {
            return [];
        }

        var rules = ImmutableArray.CreateBuilder<NetworkRule>();
        var seen = new Dictionary<string, NetworkRule>(StringComparer.Ordinal);
        for (var i = 0; i < list.Items.Length; i++)
        {
            if (Scalar(list.Items[i], $"{what}[{i}]") is not { } s)
            {
                continue;
            }

            if (NetworkRuleParser.Parse(kind, i, s.Value, s.Location, diagnostics) is not { } rule)
            {
                continue;
            }

            var canonical = rule.CanonicalText();
            if (seen.TryGetValue(canonical, out var first))
            {
                diagnostics.Warning(DiagnosticCodes.DuplicateRule, $"'{s.Value}' repeats {first.Describe()}", s.Location, "remove one of them");
                continue;
            }

            seen[canonical] = rule;
            rules.Add(rule);
        }

        return rules.ToImmutable();
    }

    private void WarnOverlaps()
    {
        // A dictionary, not a nested loop: a 1 MiB file can hold tens of thousands of rules.
        var allowed = new Dictionary<HostPattern, NetworkRule>();
        foreach (var allow in _allow)
        {
            allowed.TryAdd(allow.Pattern, allow);
        }

        foreach (var deny in _deny)
        {
            if (allowed.TryGetValue(deny.Pattern, out var allow))
            {
                diagnostics.Warning(
                    DiagnosticCodes.AllowedAndDenied,
                    $"'{deny.Text}' is both allowed ({allow.Describe()}) and denied; deny wins",
                    deny.Origin,
                    "remove one of the two rules");
            }
        }
    }
}
