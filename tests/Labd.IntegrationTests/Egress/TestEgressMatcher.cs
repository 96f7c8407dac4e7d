using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Labd.SandboxPolicy;

namespace Labd.IntegrationTests.Egress;

/// <summary>
/// A small stand-in for the policy library's matcher: exact canonical names plus
/// <c>*.suffix</c> patterns, strict about syntax (lower-case LDH labels, no trailing dot),
/// private and special ranges refused after resolution. <see cref="Permissive"/> and
/// <see cref="CaseInsensitive"/> are the weakened configurations of negative controls.
/// It records every name it is asked about, to show the proxy passes names on unchanged.
/// </summary>
internal sealed partial class TestEgressMatcher(string[] names, string[] suffixes, params int[] ports) : IEgressMatcher
{
    public static TestEgressMatcher Default => new(["allowed.test"], [".allowed.test"], 80, 443);

    /// <summary>Allows any name, literal and resolved address.</summary>
    public bool Permissive { get; init; }

    /// <summary>A naive matcher that compares names case-insensitively and ignores a trailing dot.</summary>
    public bool CaseInsensitive { get; init; }

    public ConcurrentQueue<string> Asked { get; } = new();

    public ImmutableArray<int> Ports { get; } = [.. ports];

    public EgressDecision Decide(string host, int port)
    {
        Asked.Enqueue(host);
        if (Permissive)
        {
            return new EgressDecision(true, "permissive test matcher", null, null);
        }

        if (!Ports.Contains(port))
        {
            return new EgressDecision(false, $"port {port} is not allowed", null, null);
        }

        return IsAllowed(host)
            ? new EgressDecision(true, $"allowed by rule for {host}", "allowed.test", null)
            : new EgressDecision(false, $"no rule allows {host}", null, null);
    }

    public EgressDecision DecideAddress(IPAddress address, int port)
    {
        Asked.Enqueue(address.ToString());
        return Permissive
            ? new EgressDecision(true, "permissive test matcher", null, null)
            : new EgressDecision(false, $"IP literal {address} needs a CIDR rule", null, null);
    }

    public bool MayResolve(string host) => Permissive || IsAllowed(host);

    public bool AllowsResolvedAddress(IPAddress address, int port)
    {
        if (Permissive)
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return !(IPAddress.IsLoopback(address) || address.IsIPv6LinkLocal || address.IsIPv6UniqueLocal || address.IsIPv4MappedToIPv6);
        }

        var b = address.GetAddressBytes();
        return !(b[0] is 0 or 10 or 127 || (b[0] == 100 && b[1] is >= 64 and < 128) || (b[0] == 169 && b[1] == 254)
            || (b[0] == 172 && b[1] is >= 16 and < 32) || (b[0] == 192 && b[1] == 168));
    }

    private bool IsAllowed(string host)
    {
        if (CaseInsensitive)
        {
            host = host.ToLowerInvariant().TrimEnd('.');
        }

        if (host.Length > 253 || !CanonicalName().IsMatch(host))
        {
            return false;
        }

        return names.Contains(host, StringComparer.Ordinal) || suffixes.Any(s => host.EndsWith(s, StringComparison.Ordinal));
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")]
    private static partial Regex CanonicalName();
}
