using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Labd.IntegrationTests.Sandbox;

/// <summary>
/// A host-side oracle: a TCP listener (answers a banner line) and a UDP socket on the
/// same address and port, counting every connection and datagram. A sandbox that reaches it
/// has escaped the network policy.
/// </summary>
internal sealed class HostCanary : IDisposable
{
    private readonly TcpListener _tcp;
    private readonly UdpClient _udp;
    private int _connections;
    private int _datagrams;

    public HostCanary(IPAddress address, string banner)
    {
        _tcp = new TcpListener(address, 0);
        _tcp.Start();
        Port = ((IPEndPoint)_tcp.LocalEndpoint).Port;
        _udp = new UdpClient(new IPEndPoint(address, Port));
        _ = AcceptAsync(Encoding.ASCII.GetBytes(banner + "\n"));
        _ = ReceiveAsync();
    }

    public int Port { get; }

    public int Connections => Volatile.Read(ref _connections);

    public int Datagrams => Volatile.Read(ref _datagrams);

    private async Task AcceptAsync(byte[] banner)
    {
        try
        {
            while (true)
            {
                using var client = await _tcp.AcceptTcpClientAsync();
                Interlocked.Increment(ref _connections);
                await client.GetStream().WriteAsync(banner);
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task ReceiveAsync()
    {
        try
        {
            while (true)
            {
                await _udp.ReceiveAsync();
                Interlocked.Increment(ref _datagrams);
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
        }
    }

    public void Dispose()
    {
        _tcp.Stop();
        _udp.Dispose();
    }
}
