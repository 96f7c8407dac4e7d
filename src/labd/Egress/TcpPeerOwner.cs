using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Labd.Egress;

/// <summary>
/// Finds which uid owns the other end of a TCP connection made on this host, from
/// /proc/net/tcp and /proc/net/tcp6 (proc(5)): the row whose local address is the peer's
/// endpoint and whose remote address is ours. slirp4netns runs as the sandbox's uid, so its
/// host-side sockets carry that uid; a connection from anyone else to a sandbox's listener
/// is refused.
/// </summary>
internal static class TcpPeerOwner
{
    private static readonly string[] Tables = ["/proc/net/tcp", "/proc/net/tcp6"];

    public static int? FindUid(IPEndPoint local, IPEndPoint peer)
    {
        foreach (var (table, family) in new[] { (Tables[0], AddressFamily.InterNetwork), (Tables[1], AddressFamily.InterNetworkV6) })
        {
            if (!File.Exists(table))
            {
                continue;
            }

            var peerText = Format(peer, family);
            var localText = Format(local, family);
            if (peerText is null || localText is null)
            {
                continue;
            }

            foreach (var line in File.ReadLines(table).Skip(1))
            {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid ...
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 7 && fields[1] == peerText && fields[2] == localText
                    && int.TryParse(fields[7], NumberStyles.None, CultureInfo.InvariantCulture, out var uid))
                {
                    return uid;
                }
            }
        }

        return null;
    }

    /// <summary>The kernel prints each 32-bit word of the address in host (little-endian)
    /// byte order, then the port in hex.</summary>
    private static string? Format(IPEndPoint endPoint, AddressFamily family)
    {
        var address = endPoint.Address;
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

        return text.Append(':').Append(endPoint.Port.ToString("X4", CultureInfo.InvariantCulture)).ToString();
    }
}
