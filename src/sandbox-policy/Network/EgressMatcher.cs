using System.Collections.Immutable;
using System.Net;

namespace Labd.SandboxPolicy;

/// <summary>
/// The one egress decision procedure, shared by labd's proxy, its resolver and
/// <c>labctl policy explain --host</c>. Order: canonicalize (malformed → deny), IP literals go
/// to CIDR rules only, deny rules win, then the first allow rule that admits host and port;
/// otherwise deny with the closest near miss as the reason.
/// </summary>
public sealed class EgressMatcher : IEgressMatcher
{
    internal const int MaxRulesForHint = 256;

    private readonly ImmutableArray<NetworkRule> _allow;
    private readonly ImmutableArray<NetworkRule> _deny;

    public EgressMatcher(ImmutableArray<NetworkRule> allow, ImmutableArray<NetworkRule> deny)
    {
        _allow = allow.IsDefault ? [] : allow;
        _deny = deny.IsDefault ? [] : deny;
        Ports = [.. _allow.SelectMany(r => r.AnyPort ? [] : r.Ports).Distinct().Order()];
    }

    public static EgressMatcher DenyAll { get; } = new([], []);

    public ImmutableArray<int> Ports { get; }

    public EgressDecision Decide(string host, int port)
    {
        if (port is < 1 or > 65535)
        {
            return Deny($"denied: invalid port {port}");
        }

        if (host.StartsWith('[') || host.Contains(':', StringComparison.Ordinal))
        {
            return HostName.TryParseStrictAddress(host, out var v6)
                ? DecideAddress(v6, port)
                : Deny($"denied: malformed host name '{HostName.Display(host)}': contains ':' or '['");
        }

        if (HostName.TryCanonicalize(host, out var name) is { } problem)
        {
            return Deny($"denied: malformed host name '{HostName.Display(host)}': {problem}");
        }

        if (HostName.LooksLikeAddress(name))
        {
            return HostName.TryParseStrictAddress(name, out var v4) && string.Equals(v4.ToString(), name, StringComparison.Ordinal)
                ? DecideAddress(v4, port)
                : Deny($"denied: '{name}' is a non-canonical IP literal; host rules never match addresses");
        }

        foreach (var rule in _deny)
        {
            if (rule.Pattern.MatchesHost(name) && rule.AdmitsPort(port))
            {
                return new EgressDecision(false, $"denied by {rule.Describe()}", rule.Text, rule.Origin);
            }
        }

        if (!name.Contains('.', StringComparison.Ordinal) && !_allow.Any(r => r.Pattern.Kind == HostPatternKind.Exact && r.Pattern.Host == name))
        {
            return Deny($"denied: malformed host name '{name}': a single-label name needs an exact allow rule");
        }

        foreach (var rule in _allow)
        {
            if (rule.Pattern.MatchesHost(name) && rule.AdmitsPort(port))
            {
                return new EgressDecision(true, $"allowed by {rule.Describe()}", rule.Text, rule.Origin);
            }
        }

        return Miss(name, port);
    }

    public EgressDecision DecideAddress(IPAddress address, int port)
    {
        address = HostName.Normalize(address);
        if (port is < 1 or > 65535)
        {
            return Deny($"denied: invalid port {port}");
        }

        foreach (var rule in _deny)
        {
            if (rule.Pattern.MatchesAddress(address) && rule.AdmitsPort(port))
            {
                return new EgressDecision(false, $"denied by {rule.Describe()}", rule.Text, rule.Origin);
            }
        }

        var portsForAddress = new SortedSet<int>();
        foreach (var rule in _allow)
        {
            if (!rule.Pattern.MatchesAddress(address))
            {
                continue;
            }

            if (rule.AdmitsPort(port))
            {
                return new EgressDecision(true, $"allowed by {rule.Describe()}", rule.Text, rule.Origin);
            }

            portsForAddress.UnionWith(rule.Ports);
        }

        return portsForAddress.Count > 0
            ? Deny($"denied: port {port} not allowed for '{address}' (allowed: {string.Join(", ", portsForAddress)})")
            : Deny($"denied: no CIDR rule allows {address}; host rules never match IP literals");
    }

    public bool MayResolve(string host)
    {
        if (HostName.TryCanonicalize(host, out var name) is not null || HostName.LooksLikeAddress(name))
        {
            return false;
        }

        foreach (var rule in _allow)
        {
            if (rule.Pattern.Kind != HostPatternKind.Network && rule.Pattern.MatchesHost(name) && rule.Ports.Any(p => Decide(name, p).Allowed))
            {
                return true;
            }
        }

        return false;
    }

    public bool AllowsResolvedAddress(IPAddress address, int port)
    {
        address = HostName.Normalize(address);
        if (_deny.Any(r => r.Pattern.MatchesAddress(address) && r.AdmitsPort(port)))
        {
            return false;
        }

        return !AddressClass.IsNonPublic(address)
            || _allow.Any(r => r.Pattern.MatchesAddress(address) && r.AdmitsPort(port));
    }

    private EgressDecision Miss(string name, int port)
    {
        var hostPorts = new SortedSet<int>();
        foreach (var rule in _allow.Where(r => r.Pattern.MatchesHost(name)))
        {
            hostPorts.UnionWith(rule.Ports);
        }

        if (hostPorts.Count > 0)
        {
            return Deny($"denied: port {port} not allowed for '{name}' (allowed: {string.Join(", ", hostPorts)})");
        }

        var apex = _allow.FirstOrDefault(r => r.Pattern.Kind == HostPatternKind.Subdomains && r.Pattern.Host == name);
        if (apex is not null)
        {
            return Deny($"denied: no allow rule matches '{name}'; closest allow '{apex.Text}' requires a subdomain");
        }

        // The near-miss hint costs an edit distance per rule; skip it for huge rule lists (the proxy calls this per connection).
        var near = _allow.Length > MaxRulesForHint ? null : Suggest.Closest(name, _allow.Where(r => r.Pattern.Kind == HostPatternKind.Exact).Select(r => r.Pattern.Host));
        return near is null
            ? Deny($"denied: no allow rule matches '{name}'")
            : Deny($"denied: no allow rule matches '{name}'; closest allow is '{near}' (only exact names match)");
    }

    private static EgressDecision Deny(string reason) => new(false, reason, null, null);
}
