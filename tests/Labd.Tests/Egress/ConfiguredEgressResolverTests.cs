using System.Net;
using System.Net.Sockets;
using Labd.Egress;
using Labd.Hosting;
using Labd.Runs;
using Microsoft.Extensions.DependencyInjection;

namespace Labd.Tests.Egress;

/// <summary>labd.yaml's <c>egress.upstreamDns</c> as a reload (SIGHUP) applies it: the next name
/// an allowed sandbox looks up goes to the new server (issue 12, docs/daemon.md).</summary>
public sealed class ConfiguredEgressResolverTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("labd-resolver-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 20000)]
    public async Task A_reload_that_changes_upstreamDns_sends_the_next_lookup_to_the_new_server()
    {
        var ct = TestContext.Current.CancellationToken;
        using var first = new StubDns(IPAddress.Parse("192.0.2.1"));
        using var second = new StubDns(IPAddress.Parse("192.0.2.2"));
        var configPath = Path.Combine(_dir, "labd.yaml");
        await File.WriteAllTextAsync(configPath, $"egress:\n  upstreamDns: {first.EndPoint}\n", ct);
        var settings = new LabdSettings(new LabdArguments(configPath, true, null, null, false));
        // The resolver the daemon's container gives the proxy and the DNS listener.
        await using var services = new ServiceCollection().AddRuns(settings).BuildServiceProvider();
        var resolver = services.GetRequiredService<IEgressResolver>();

        var before = await resolver.ResolveAsync("api.example.test", AddressFamily.InterNetwork, ct);
        await File.WriteAllTextAsync(configPath, $"egress:\n  upstreamDns: {second.EndPoint}\n", ct);
        var unchanged = await resolver.ResolveAsync("api.example.test", AddressFamily.InterNetwork, ct);
        settings.Reload();
        var after = await resolver.ResolveAsync("api.example.test", AddressFamily.InterNetwork, ct);

        // The control: the file alone changes nothing; the reload does.
        Assert.Equal([IPAddress.Parse("192.0.2.1")], before);
        Assert.Equal([IPAddress.Parse("192.0.2.1")], unchanged);
        Assert.Equal([IPAddress.Parse("192.0.2.2")], after);
    }

    /// <summary>A UDP DNS server on loopback that answers every A question with one address.</summary>
    private sealed class StubDns : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly CancellationTokenSource _stop = new();

        public StubDns(IPAddress answer)
        {
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
            _ = ServeAsync(answer);
        }

        public IPEndPoint EndPoint { get; }

        public void Dispose()
        {
            _stop.Cancel();
            _socket.Dispose();
            _stop.Dispose();
        }

        private async Task ServeAsync(IPAddress answer)
        {
            var buffer = new byte[512];
            try
            {
                while (true)
                {
                    var received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                    var question = DnsMessageParser.ParseQuery(buffer.AsSpan(0, received.ReceivedBytes), out _);
                    if (question is not null)
                    {
                        var response = DnsMessageWriter.Response(question.Id, question.RecursionDesired, question.RawQuestion, 0, [answer]);
                        await _socket.SendToAsync(response, SocketFlags.None, received.RemoteEndPoint, _stop.Token);
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
            }
        }
    }
}
