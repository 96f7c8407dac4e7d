using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Labd.Egress;

/// <summary>
/// Finds which uid owns the other end of a connection or datagram made on this host, from
/// /proc/net/{tcp,tcp6,udp,udp6} (proc(5)): for TCP the row whose local address is the
/// peer's endpoint and whose remote address is ours; for UDP the row bound to the sender's
/// endpoint (or to the wildcard address on its port). slirp4netns runs as the sandbox's uid,
/// so its host-side sockets carry that uid; traffic from anyone else to a sandbox's
/// listeners is refused.
/// </summary>
internal static class SocketOwner
{
    public static int? FindTcpPeerUid(IPEndPoint local, IPEndPoint peer) =>
        Find("/proc/net/tcp", "/proc/net/tcp6", peer, local);

    public static int? FindUdpSenderUid(IPEndPoint sender) =>
        Find("/proc/net/udp", "/proc/net/udp6", sender, null);

    private static int? Find(string table4, string table6, IPEndPoint owner, IPEndPoint? remote)
    {
        foreach (var (table, family) in new[] { (table4, AddressFamily.InterNetwork), (table6, AddressFamily.InterNetworkV6) })
        {
            if (!File.Exists(table))
            {
                continue;
            }

            var ownerText = Format(owner.Address, owner.Port, family);
            var wildcardText = Format(family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, owner.Port, family);
            var remoteText = remote is null ? null : Format(remote.Address, remote.Port, family);
            if (ownerText is null || (remote is not null && remoteText is null))
            {
                continue;
            }

            foreach (var line in File.ReadLines(table).Skip(1))
            {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid ...
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var matches = remoteText is null ? fields.Length > 7 && (fields[1] == ownerText || fields[1] == wildcardText)
                    : fields.Length > 7 && fields[1] == ownerText && fields[2] == remoteText;
                if (matches && int.TryParse(fields[7], NumberStyles.None, CultureInfo.InvariantCulture, out var uid))
                {
                    return uid;
                }
            }
        }

        return null;
    }

    /// <summary>The kernel prints each 32-bit word of the address in host (little-endian)
    /// byte order, then the port in hex.</summary>
    private static string? Format(IPAddress address, int port, AddressFamily family)
    {
        if (family == AddressFamily.InterNetwork && address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        else if (family == AddressFamily.InterNetworkV6 && address.AddressFamily == AddressFamily.InterNetwork)
        {
            address = address.MapToIPv6();
        }

        if (address.AddressFamily != family)
        {
            return null;
        }

        var bytes = address.GetAddressBytes();
        var text = new StringBuilder(40);
        for (var word = 0; word < bytes.Length; word += 4)
        {
            for (var i = 3; i >= 0; i--)
            {
                text.Append(bytes[word + i].ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return text.Append(':').Append(port.ToString("X4", CultureInfo.InvariantCulture)).ToString();
    }
}
