using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Labd.Egress;

namespace Labd.IntegrationTests.Egress;

/// <summary>Sends one DNS query over UDP or TCP and reads the answer.</summary>
internal static class DnsClient
{
    public static async Task<(int Rcode, List<IPAddress> Addresses)> QueryAsync(IPEndPoint server, string name, ushort type, bool tcp, CancellationToken cancellationToken)
    {
        const ushort id = 0x4242;
        var query = DnsMessageWriter.Query(id, name, type);
        var response = await ExchangeAsync(server, query, tcp, cancellationToken);
        var addresses = DnsMessageParser.ParseAddresses(response, id, type, out var rcode);
        Assert.NotNull(addresses);
        return (rcode, addresses);
    }

    public static async Task<byte[]> ExchangeAsync(IPEndPoint server, byte[] query, bool tcp, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(10));
        using var socket = new Socket(server.AddressFamily, tcp ? SocketType.Stream : SocketType.Dgram, tcp ? ProtocolType.Tcp : ProtocolType.Udp);
        await socket.ConnectAsync(server, deadline.Token);
        var buffer = new byte[4096];
        if (!tcp)
        {
            await socket.SendAsync(query, SocketFlags.None, deadline.Token);
            return buffer[..await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token)];
        }

        var framed = new byte[query.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
        query.CopyTo(framed, 2);
        await socket.SendAsync(framed, SocketFlags.None, deadline.Token);
        var stream = new NetworkStream(socket);
        await stream.ReadExactlyAsync(buffer.AsMemory(0, 2), deadline.Token);
        var length = BinaryPrimitives.ReadUInt16BigEndian(buffer);
        await stream.ReadExactlyAsync(buffer.AsMemory(0, length), deadline.Token);
        return buffer[..length];
    }
}
