using Labd.IntegrationTests.TestBed;

namespace Labd.IntegrationTests.Egress;

/// <summary>ESCAPE-SUITE N13: after its own resolution the proxy refuses loopback,
/// link-local, private and host addresses; rebind.allowed.test cycles through 127.0.0.1,
/// 169.254.169.254 and 198.51.100.1 (the host side of the fake internet).</summary>
[Collection(FakeInternetTests.Name)]
public sealed class RebindingTests(FakeInternet inet)
{
    private const string Rebind = "GET / HTTP/1.1\r\nHost: rebind.allowed.test\r\n\r\n";

    [Fact(Timeout = 60_000)]
    public async Task N13_rebinding_to_loopback_link_local_or_host_addresses_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);
        var canary = LogMark.Of(inet.CanaryLog);

        for (var i = 0; i < 3; i++)
        {
            Assert.StartsWith("HTTP/1.1 502", await h.HttpAsync(Rebind, ct), StringComparison.Ordinal);
        }

        Assert.All(h.Decisions, d => Assert.False(d.Allowed));
        Assert.Equal(["127.0.0.1", "169.254.169.254", "198.51.100.1"], h.Decisions.Select(d => d.ResolvedAddress).Order());
        Assert.Empty(canary.NewText());
    }

    [Fact(Timeout = 30_000)]
    public async Task N13_metadata_ip_literal_is_denied()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);
        var canary = LogMark.Of(inet.CanaryLog);

        Assert.StartsWith("HTTP/1.1 403", await h.HttpAsync("GET / HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n", ct), StringComparison.Ordinal);
        Assert.Empty(canary.NewText());
    }

    [Fact(Timeout = 60_000)]
    public async Task N13_negative_control_without_address_checks_rebinding_reaches_the_metadata_canary()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct, new TestEgressMatcher([], [], 80, 443) { Permissive = true }, refuseHostAddresses: false);
        var canary = LogMark.Of(inet.CanaryLog);

        var responses = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            responses.Add(await h.HttpAsync(Rebind, ct));
        }

        Assert.Contains(responses, r => r.Contains("METADATA", StringComparison.Ordinal));
        await canary.WaitForAsync("METADATA", ct);
    }
}
