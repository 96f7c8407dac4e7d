using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Labd.Egress;
using Microsoft.Extensions.Logging.Abstractions;

namespace Labd.IntegrationTests.Egress;

/// <summary>
/// A rough measurement of the splice path on loopback (explicit: timing on a shared machine
/// is no pass/fail oracle). Loopback is the harshest case: the proxy doubles the copies while
/// nothing else is slow; through slirp4netns the proxy is far from the bottleneck.
/// Run: Labd.IntegrationTests.dll -method "*Throughput*" -explicit only
/// </summary>
public sealed class ThroughputTests(ITestOutputHelper output)
{
    private const long Bulk = 1L << 30;

    [Fact(Explicit = true, Timeout = 300_000)]
    public async Task Proxy_throughput_and_connect_overhead_compared_with_direct()
    {
        var ct = TestContext.Current.CancellationToken;
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        server.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        server.Listen(128);
        var port = ((IPEndPoint)server.LocalEndPoint!).Port;
        _ = ServeAsync(server, ct);
        var service = new EgressService(new FixedResolver(IPAddress.Loopback), new EgressOptions(), NullLoggerFactory.Instance, new AddressGuard(refuseHostAddresses: false));
        await using var egress = await service.OpenAsync("bench", new TestEgressMatcher([], [], port) { Permissive = true }, IPAddress.Loopback, null, null, ct);
        var direct = new IPEndPoint(IPAddress.Loopback, port);
        var proxied = new IPEndPoint(IPAddress.Loopback, egress.Ports[port]);

        await FetchAsync(direct, 1 << 20, ct);
        await FetchAsync(proxied, 1 << 20, ct);
        var directRate = await RateAsync(direct, ct);
        var proxyRate = await RateAsync(proxied, ct);
        var directConnect = await ConnectLatencyAsync(direct, ct);
        var proxyConnect = await ConnectLatencyAsync(proxied, ct);

        output.WriteLine($"throughput: direct {directRate / 1e6:F0} MB/s, proxy {proxyRate / 1e6:F0} MB/s ({proxyRate / directRate:F2}x)");
        output.WriteLine($"request latency: direct {directConnect:F3} ms, proxy {proxyConnect:F3} ms (+{proxyConnect - directConnect:F3} ms)");
        Assert.True(proxyRate > 0);
    }

    private static async Task<double> RateAsync(IPEndPoint endPoint, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        await FetchAsync(endPoint, Bulk, ct);
        return Bulk / watch.Elapsed.TotalSeconds;
    }

    private static async Task<double> ConnectLatencyAsync(IPEndPoint endPoint, CancellationToken ct)
    {
        const int Rounds = 200;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < Rounds; i++)
        {
            await FetchAsync(endPoint, 16, ct);
        }

        return watch.Elapsed.TotalMilliseconds / Rounds;
    }

    private static async Task FetchAsync(IPEndPoint endPoint, long size, CancellationToken ct)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint, ct);
        await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes($"GET /{size} HTTP/1.1\r\nHost: bulk.test\r\n\r\n"), SocketFlags.None, ct);
        var buffer = new byte[256 * 1024];
        long total = 0;
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0)
        {
            total += n;
        }

        Assert.Equal(size, total);
    }

    private static async Task ServeAsync(Socket server, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var client = await server.AcceptAsync(ct);
            _ = Task.Run(
                async () =>
                {
                    using (client)
                    {
                        var head = new byte[4096];
                        var count = 0;
                        while (!System.Text.Encoding.ASCII.GetString(head, 0, count).Contains("\r\n\r\n", StringComparison.Ordinal))
                        {
                            count += await client.ReceiveAsync(head.AsMemory(count), SocketFlags.None, ct);
                        }

                        var path = System.Text.Encoding.ASCII.GetString(head, 0, count).Split(' ')[1];
                        var remaining = long.Parse(path[1..], System.Globalization.CultureInfo.InvariantCulture);
                        var chunk = new byte[256 * 1024];
                        while (remaining > 0)
                        {
                            var n = (int)Math.Min(chunk.Length, remaining);
                            remaining -= await client.SendAsync(chunk.AsMemory(0, n), SocketFlags.None, ct);
                        }

                        client.Shutdown(SocketShutdown.Send);
                    }
                },
                ct);
        }
    }
}
