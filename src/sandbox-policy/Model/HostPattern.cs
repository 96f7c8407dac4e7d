using System.Net;

namespace Labd.SandboxPolicy;

/// <summary>The host part of a network rule. <see cref="Host"/> is canonical (lowercase, no trailing dot);
/// for <see cref="HostPatternKind.Subdomains"/> it is the suffix without <c>*.</c>.</summary>
public sealed record HostPattern(HostPatternKind Kind, string Host, IPNetwork? Network)
{
    public bool MatchesHost(string canonicalHost) => Kind switch
    {
        HostPatternKind.Exact => string.Equals(canonicalHost, Host, StringComparison.Ordinal),
        HostPatternKind.Subdomains => canonicalHost.Length > Host.Length + 1
            && canonicalHost.EndsWith(Host, StringComparison.Ordinal)
            && canonicalHost[canonicalHost.Length - Host.Length - 1] == '.',
        HostPatternKind.AnyHost => true,
        _ => false,
    };

    public bool MatchesAddress(IPAddress address) =>
        Kind == HostPatternKind.Network && Network is { } n && n.BaseAddress.AddressFamily == address.AddressFamily && n.Contains(address);

    public override string ToString() => Kind switch
    {
        HostPatternKind.Subdomains => "*." + Host,
        HostPatternKind.AnyHost => "*",
        HostPatternKind.Network => Network?.ToString() ?? Host,
        _ => Host,
    };
}
