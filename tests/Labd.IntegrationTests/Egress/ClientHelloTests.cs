using System.Text;
using Labd.IntegrationTests.TestBed;
using Labd.Testing;

namespace Labd.IntegrationTests.Egress;

/// <summary>ESCAPE-SUITE N7: ClientHellos that hide their destination are refused.</summary>
[Collection(FakeInternetTests.Name)]
public sealed class ClientHelloTests(FakeInternet inet)
{
    private static readonly (ushort, byte[]) Ech = (ClientHelloBuilder.EncryptedClientHello,
        Convert.FromHexString("0000010001" + "20" + new string('a', 64) + "0010" + new string('b', 32)));

    [Fact(Timeout = 30_000)]
    public async Task N7_client_hello_without_sni_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);

        var reply = await h.ExchangeAsync(443, ClientHelloBuilder.Build(), ct);

        Assert.Equal([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x31], reply);
        Assert.Equal((false, "missing SNI", (string?)null), (h.LastDecision.Allowed, h.LastDecision.Reason, h.LastDecision.ResolvedAddress));
    }

    [Fact(Timeout = 30_000)]
    public async Task N7_client_hello_with_ech_is_refused_despite_an_allowed_outer_sni()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);
        var hello = ClientHelloBuilder.Records(ClientHelloBuilder.Handshake(ClientHelloBuilder.Body(
            [ClientHelloBuilder.SniExtension([Encoding.ASCII.GetBytes("allowed.test")]), Ech])));

        _ = await h.ExchangeAsync(443, hello, ct);

        Assert.False(h.LastDecision.Allowed);
        Assert.Contains("ECH", h.LastDecision.Reason, StringComparison.Ordinal);
        Assert.Null(h.LastDecision.ResolvedAddress);
    }

    [Fact(Timeout = 30_000)]
    public async Task N7_negative_control_the_same_client_hello_without_ech_is_forwarded()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);
        var hello = ClientHelloBuilder.Records(ClientHelloBuilder.Handshake(ClientHelloBuilder.Body(
            [ClientHelloBuilder.SniExtension([Encoding.ASCII.GetBytes("allowed.test")])])));

        _ = await h.ExchangeAsync(443, hello, ct);

        Assert.Equal((true, "198.51.100.10"), (h.LastDecision.Allowed, h.LastDecision.ResolvedAddress));
    }
}
