namespace Labd.SandboxPolicy;

/// <summary>
/// <c>labctl policy explain NAME --path P</c> and <c>--host H[:port]</c>: the same rules and
/// matcher the runtime and the proxy use, with the deciding rule and its origin.
/// </summary>
public static class PolicyExplain
{
    public static PathExplanation Path(EffectivePolicy policy, string path, PolicyVariables? variables = null)
    {
        variables ??= PolicyVariables.None;
        if (PathText.TryNormalize(path, out var normalized, out _, out var suggestion) is { } problem)
        {
            return new PathExplanation(path, AccessMode.Hidden, $"invalid path: {problem}{(suggestion is null ? "" : $" ({suggestion})")}", null);
        }

        normalized = PathText.Expand(normalized, variables, out _) ?? normalized;
        if (PathText.IsSameOrUnder(normalized, BaseLayout.Proc))
        {
            return new PathExplanation(normalized, AccessMode.ReadOnly, "private /proc of the sandbox's pid namespace (built-in)", null);
        }

        if (PathText.IsSameOrUnder(normalized, "/sys"))
        {
            return new PathExplanation(normalized, AccessMode.Hidden, "hidden: /sys is not mounted (built-in)", null);
        }

        if (PathText.IsSameOrUnder(normalized, BaseLayout.Dev))
        {
            return new PathExplanation(normalized, AccessMode.ReadOnly, "minimal /dev: null, zero, full, random, urandom, tty, pts, shm and leased GPUs (built-in)", null);
        }

        var rules = PolicyCompiler.Expand(policy, variables, new DiagnosticBag(), strict: false);
        var rule = rules.Where(r => PathText.IsSameOrUnder(normalized, r.Path)).MaxBy(r => r.Path == "/" ? 0 : r.Path.Length);
        var tmpfs = BaseLayout.PrivateTmpfs.FirstOrDefault(t => PathText.IsSameOrUnder(normalized, t));
        if (tmpfs is not null && (rule is null || rule.Path.Length < tmpfs.Length))
        {
            return new PathExplanation(normalized, AccessMode.ReadWrite, "read-write: private tmpfs, empty at start (built-in)", null);
        }

        if (rule is null)
        {
            return new PathExplanation(normalized, AccessMode.Hidden, "hidden: not mentioned by any rule (default)", null);
        }

        var reason = rule.Origin is null
            ? $"{ModeWord(rule.Mode)}: {rule.RuleText} (built-in)"
            : $"{ModeWord(rule.Mode)} by rule {rule.RuleText} at {rule.Origin}";
        return new PathExplanation(normalized, rule.Mode, reason, rule);
    }

    /// <summary>Decides <c>host</c>, <c>host:port</c>, <c>[v6]:port</c> (port 443 when omitted).</summary>
    public static EgressDecision Host(EffectivePolicy policy, string hostAndPort)
    {
        var host = hostAndPort;
        var port = 443;
        var close = hostAndPort.LastIndexOf(']');
        var colon = hostAndPort.LastIndexOf(':');
        var portText = (hostAndPort.StartsWith('[') && colon > close && close > 0) || (!hostAndPort.StartsWith('[') && hostAndPort.Count(c => c == ':') == 1)
            ? hostAndPort[(colon + 1)..]
            : null;
        if (portText is not null)
        {
            if (!ValueParsers.TryParseCount(portText, 1, 65535, out port))
            {
                return new EgressDecision(false, $"denied: invalid port '{HostName.Display(portText)}'", null, null);
            }

            host = hostAndPort[..colon];
        }

        return policy.Egress.Decide(host, port);
    }

    private static string ModeWord(AccessMode mode) => mode switch
    {
        AccessMode.ReadWrite => "read-write",
        AccessMode.ReadOnly => "read-only",
        _ => "hidden",
    };
}
