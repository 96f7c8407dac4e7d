using System.Net;
using System.Net.Sockets;

namespace Labd.SandboxPolicy;

/// <summary>
/// Address classes the proxy never dials after resolving a name unless a CIDR allow rule names
/// them (ESCAPE-SUITE N13, N14): loopback, link-local, RFC 1918, CGNAT, unspecified, multicast,
/// reserved, ULA, NAT64 and their v4-mapped forms.
/// </summary>
public static class AddressClass
{
    private static readonly IPNetwork[] Special =
    [
        IPNetwork.Parse("0.0.0.0/8"),
        IPNetwork.Parse("10.0.0.0/8"),
        IPNetwork.Parse("100.64.0.0/10"),
        IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"),
        IPNetwork.Parse("172.16.0.0/12"),
        IPNetwork.Parse("192.0.0.0/24"),
        IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("198.18.0.0/15"),
        IPNetwork.Parse("224.0.0.0/4"),
        IPNetwork.Parse("240.0.0.0/4"),
        IPNetwork.Parse("::/128"),
        IPNetwork.Parse("::1/128"),
        IPNetwork.Parse("64:ff9b::/96"),
        IPNetwork.Parse("64:ff9b:1::/48"),
        IPNetwork.Parse("fc00::/7"),
        IPNetwork.Parse("fe80::/10"),
        IPNetwork.Parse("fec0::/10"),
        IPNetwork.Parse("ff00::/8"),
    ];

    /// <summary>Whether the address is private, loopback, link-local or otherwise not public.</summary>
    public static bool IsNonPublic(IPAddress address)
    {
        address = HostName.Normalize(address);
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            return true;
        }

        foreach (var network in Special)
        {
            if (network.BaseAddress.AddressFamily == address.AddressFamily && network.Contains(address))
            {
                return true;
            }
        }

        // IPv4-compatible (::a.b.c.d, deprecated) forms can smuggle v4 addresses; treat them as non-public.
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            return bytes.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0;
        }

        return false;
    }
}
