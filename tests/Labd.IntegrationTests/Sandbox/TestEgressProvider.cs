using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Labd.Runs;
using Labd.SandboxPolicy;

namespace Labd.IntegrationTests.Sandbox;

/// <summary>
/// A trivial "proxy" for the sandbox tests: per run, one TCP listener per policy port on the
/// egress host address that answers <c>PROXY &lt;sandbox port&gt;</c>, and a UDP "DNS" socket that
/// counts datagrams. It proves DNAT works; the real proxy is the egress component's.
/// </summary>
internal sealed class TestEgressProvider : IEgressProvider
{
    private readonly ConcurrentDictionary<string, List<IDisposable>> _listeners = new();

    public int DnsDatagrams;

    public ValueTask<EgressBinding> BindAsync(string runId, IEgressMatcher matcher, string runDirectory, int sandboxUid, CancellationToken cancellationToken)
    {
        var address = EgressHostAddress.Default;
        var owned = new List<IDisposable>();
        var map = new Dictionary<int, int>();
        foreach (var port in matcher.Ports)
        {
            var listener = new TcpListener(address, 0);
            listener.Start();
            owned.Add(listener.Server);
            map[port] = ((IPEndPoint)listener.LocalEndpoint).Port;
            _ = ServeAsync(listener, port);
        }
        var dns = new UdpClient(new IPEndPoint(address, 0));
        owned.Add(dns);
        _ = CountAsync(dns);
        _listeners[runId] = owned;
        return ValueTask.FromResult(new EgressBinding(address, map, ((IPEndPoint)dns.Client.LocalEndPoint!).Port));
    }

    public ValueTask ReleaseAsync(string runId, CancellationToken cancellationToken)
    {
        if (_listeners.TryRemove(runId, out var owned))
        {
            owned.ForEach(o => o.Dispose());
        }
        return ValueTask.CompletedTask;
    }

    private static async Task ServeAsync(TcpListener listener, int sandboxPort)
    {
        try
        {
            while (true)
            {
                using var client = await listener.AcceptTcpClientAsync();
                await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"PROXY {sandboxPort}\n")));
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task CountAsync(UdpClient dns)
    {
        try
        {
            while (true)
            {
                await dns.ReceiveAsync();
                Interlocked.Increment(ref DnsDatagrams);
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
        }
    }
}
