using System.Net;
using System.Net.Sockets;

namespace Labd.Egress;

/// <summary>The host's resolver (getaddrinfo via <see cref="Dns"/>).</summary>
internal sealed class SystemEgressResolver : IEgressResolver
{
    public async Task<IReadOnlyList<IPAddress>> ResolveAsync(string host, AddressFamily family, CancellationToken cancellationToken)
    {
        try
        {
            return await Dns.GetHostAddressesAsync(host, family, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData)
        {
            return [];
        }
    }
}
