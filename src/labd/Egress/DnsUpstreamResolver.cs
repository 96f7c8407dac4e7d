using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Labd.Egress;

/// <summary>
/// Asks one configured DNS server over UDP (random id, answer must come from that server
/// and echo the id). Used when labd is configured with an upstream, and by the tests to use
/// the fake internet's DNS at 198.51.100.53.
/// </summary>
internal sealed class DnsUpstreamResolver(IPEndPoint server, TimeSpan timeout) : IEgressResolver
{
    internal const int Attempts = 2;

    public async Task<IReadOnlyList<IPAddress>> ResolveAsync(string host, AddressFamily family, CancellationToken cancellationToken)
    {
        var type = family == AddressFamily.InterNetworkV6 ? DnsRecordTypes.Aaaa : DnsRecordTypes.A;
        for (var attempt = 1; ; attempt++)
        {
            var id = (ushort)RandomNumberGenerator.GetInt32(0, 65536);
            var query = DnsMessageWriter.Query(id, host, type);
            using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                await socket.ConnectAsync(server, deadline.Token).ConfigureAwait(false);
                await socket.SendAsync(query, SocketFlags.None, deadline.Token).ConfigureAwait(false);
                var buffer = new byte[DnsMessageParser.MaxMessageLength];
                while (true)
                {
                    // A connected UDP socket only receives datagrams from the server's address and port.
                    var n = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token).ConfigureAwait(false);
                    var addresses = DnsMessageParser.ParseAddresses(buffer.AsSpan(0, n), id, type, out var rcode);
                    if (addresses is null)
                    {
                        continue;
                    }

                    if (rcode is DnsRecordTypes.NoError or DnsRecordTypes.NxDomain)
                    {
                        return addresses;
                    }

                    throw new SocketException((int)SocketError.TryAgain);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && attempt < Attempts)
            {
                // Lost datagram: ask once more.
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"DNS server {server} did not answer for '{host}'");
            }
        }
    }
}
