using Labd.Egress;
using Labd.IntegrationTests.TestBed;

namespace Labd.IntegrationTests.Egress;

/// <summary>ESCAPE-SUITE N14 (the proxy's part): IPv6 and v4-mapped literals get no way around the policy.</summary>
[Collection(FakeInternetTests.Name)]
public sealed class Ipv6Tests(FakeInternet inet)
{
    [Fact(Timeout = 30_000)]
    public async Task N14_v4_mapped_literal_is_judged_as_the_v4_address_and_denied()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);
        var evil = LogMark.Of(inet.EvilLog);

        var response = await h.HttpAsync("GET / HTTP/1.1\r\nHost: [::ffff:198.51.100.66]\r\n\r\n", ct);

        Assert.StartsWith("HTTP/1.1 403", response, StringComparison.Ordinal);
        Assert.Equal(["198.51.100.66"], h.Matcher.Asked);
        Assert.Empty(evil.NewText());
    }

    [Fact(Timeout = 30_000)]
    public async Task N14_explicit_connect_to_an_ipv6_literal_is_denied()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);

        var response = await h.HttpAsync("CONNECT [2001:db8::66]:443 HTTP/1.1\r\nHost: [2001:db8::66]:443\r\n\r\n", ct);

        Assert.StartsWith("HTTP/1.1 403", response, StringComparison.Ordinal);
        Assert.Equal((EgressKinds.Connect, "[2001:db8::66]", false), (h.LastDecision.Kind, h.LastDecision.Host, h.LastDecision.Allowed));
    }

    [Fact(Timeout = 30_000)]
    public async Task N14_negative_control_a_policy_allowing_literals_dials_the_v4_address()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct, new TestEgressMatcher([], [], 80, 443) { Permissive = true });
        var evil = LogMark.Of(inet.EvilLog);

        _ = await h.HttpAsync("GET / HTTP/1.1\r\nHost: [::ffff:198.51.100.66]\r\n\r\n", ct);

        Assert.Equal("198.51.100.66", h.LastDecision.ResolvedAddress);
        await evil.WaitForAsync("EVIL TCP 80", ct);
    }
}
