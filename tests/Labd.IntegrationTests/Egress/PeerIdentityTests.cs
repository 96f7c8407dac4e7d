using Labd.Egress;
using Labd.IntegrationTests.TestBed;

namespace Labd.IntegrationTests.Egress;

/// <summary>A sandbox's listeners serve only connections whose peer socket the sandbox's uid owns.</summary>
[Collection(FakeInternetTests.Name)]
public sealed class PeerIdentityTests(FakeInternet inet)
{
    [Fact(Timeout = 30_000)]
    public async Task Connection_from_another_uid_is_refused_before_anything_is_read()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct, peerUid: 4242);

        var response = await h.HttpAsync("GET / HTTP/1.1\r\nHost: allowed.test\r\n\r\n", ct);

        Assert.Empty(response);
        Assert.Equal((EgressKinds.Unknown, false), (h.LastDecision.Kind, h.LastDecision.Allowed));
        Assert.Contains("connection from uid 0, not the sandbox's uid 4242", h.LastDecision.Reason, StringComparison.Ordinal);
    }

    [Theory(Timeout = 30_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Dns_query_from_another_uid_is_not_answered(bool tcp)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct, peerUid: 4242);
        using var quick = CancellationTokenSource.CreateLinkedTokenSource(ct);
        quick.CancelAfter(TimeSpan.FromSeconds(2));

        await Assert.ThrowsAnyAsync<Exception>(() => DnsClient.QueryAsync(new(h.Egress.ListenAddress, h.Egress.DnsPort), "allowed.test", DnsRecordTypes.A, tcp, quick.Token));

        Assert.Contains("query from uid 0, not the sandbox's uid 4242", h.LastDecision.Reason, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task Negative_control_dns_query_from_the_sandbox_uid_is_answered()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct, peerUid: 0);

        var (rcode, _) = await DnsClient.QueryAsync(new(h.Egress.ListenAddress, h.Egress.DnsPort), "allowed.test", DnsRecordTypes.A, tcp: false, ct);

        Assert.Equal(DnsRecordTypes.NoError, rcode);
    }

    [Fact(Timeout = 30_000)]
    public async Task Negative_control_connection_from_the_sandbox_uid_is_served()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct, peerUid: 0);

        Assert.Contains("ALLOWED", await h.HttpAsync("GET / HTTP/1.1\r\nHost: allowed.test\r\n\r\n", ct), StringComparison.Ordinal);
    }
}
