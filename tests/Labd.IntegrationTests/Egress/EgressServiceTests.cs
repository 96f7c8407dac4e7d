using System.Net;
using Labd.Egress;
using Microsoft.Extensions.Logging.Abstractions;

namespace Labd.IntegrationTests.Egress;

/// <summary>Opening, finding and closing a run's egress; ports kept for re-adopted runs.</summary>
public sealed class EgressServiceTests : IDisposable
{
    private readonly DirectoryInfo _runDirectory = Directory.CreateTempSubdirectory("labdt-egress-service-");

    private static EgressService NewService() =>
        new(new FixedResolver(IPAddress.Parse("198.51.100.10")), new EgressOptions(), NullLoggerFactory.Instance);

    [Fact(Timeout = 30_000)]
    public async Task Opening_a_run_twice_returns_the_same_listeners_and_close_is_idempotent()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var service = NewService();

        var first = await service.OpenAsync("run-1", TestEgressMatcher.Default, IPAddress.Loopback, null, null, ct);
        var second = await service.OpenAsync("run-1", TestEgressMatcher.Default, IPAddress.Loopback, null, null, ct);

        Assert.Same(first, second);
        Assert.Same(first, service.Find("run-1"));
        await service.CloseAsync("run-1", ct);
        await service.CloseAsync("run-1", ct);
        Assert.Null(service.Find("run-1"));
    }

    [Fact(Timeout = 30_000)]
    public async Task A_run_reopened_after_a_restart_gets_the_same_ports_its_dnat_rules_point_at()
    {
        var ct = TestContext.Current.CancellationToken;
        IReadOnlyDictionary<int, int> ports;
        int dnsPort;
        await using (var before = NewService())
        {
            var egress = await before.OpenAsync("run-2", TestEgressMatcher.Default, IPAddress.Loopback, _runDirectory.FullName, null, ct);
            (ports, dnsPort) = (egress.Ports, egress.DnsPort);
        }

        await using var after = NewService();
        var reopened = await after.OpenAsync("run-2", TestEgressMatcher.Default, IPAddress.Loopback, _runDirectory.FullName, null, ct);

        Assert.Equal(ports.OrderBy(p => p.Key), reopened.Ports.OrderBy(p => p.Key));
        Assert.Equal(dnsPort, reopened.DnsPort);
    }

    public void Dispose() => _runDirectory.Delete(recursive: true);
}
