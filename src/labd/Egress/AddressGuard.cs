using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Labd.SandboxPolicy;

namespace Labd.Egress;

/// <summary>
/// Which resolved addresses the proxy may dial (N13). The policy's
/// <see cref="IEgressMatcher.AllowsResolvedAddress"/> rules out private, loopback and
/// link-local ranges unless a CIDR rule opens them; on top of that, addresses that belong to
/// this host (any interface, e.g. the fake internet's 198.51.100.1) and loopback,
/// unspecified and multicast addresses are never dialed, whatever the policy says. Only
/// negative-control tests turn that off (<c>refuseHostAddresses: false</c>).
/// </summary>
internal sealed class AddressGuard(bool refuseHostAddresses = true)
{
    private static readonly TimeSpan LocalAddressesLifetime = TimeSpan.FromSeconds(5);

    private readonly Lock _lock = new();
    private HashSet<IPAddress> _local = [];
    private DateTime _localRefreshed = DateTime.MinValue;

    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>Null when <paramref name="address"/> may be dialed, else why not.</summary>
    public string? Check(IPAddress address, int port, IEgressMatcher matcher)
    {
        address = Normalize(address);
        if (!refuseHostAddresses)
        {
            // Test-only (negative controls): the policy alone decides.
            return matcher.AllowsResolvedAddress(address, port) ? null : $"resolved to {address}, refused by policy";
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)
            || address.Equals(IPAddress.Broadcast) || IsMulticast(address))
        {
            return $"resolved to {address}, a loopback, unspecified or multicast address";
        }

        if (LocalAddresses().Contains(address))
        {
            return $"resolved to {address}, an address of this host";
        }

        return matcher.AllowsResolvedAddress(address, port)
            ? null
            : $"resolved to {address}, a private, loopback or link-local address the policy does not allow";
    }

    private static bool IsMulticast(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6
            ? address.IsIPv6Multicast
            : address.GetAddressBytes()[0] is >= 224 and <= 239;

    private HashSet<IPAddress> LocalAddresses()
    {
        lock (_lock)
        {
            if (DateTime.UtcNow - _localRefreshed > LocalAddressesLifetime)
            {
                _local = NetworkInterface.GetAllNetworkInterfaces()
                    .SelectMany(i => i.GetIPProperties().UnicastAddresses)
                    .Select(a => Normalize(a.Address))
                    .ToHashSet();
                _localRefreshed = DateTime.UtcNow;
            }

            return _local;
        }
    }
}
