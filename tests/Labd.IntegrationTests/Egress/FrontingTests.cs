using System.Net.Sockets;
using System.Text;
using Labd.Egress;
using Labd.IntegrationTests.TestBed;

namespace Labd.IntegrationTests.Egress;

/// <summary>ESCAPE-SUITE N5: CONNECT authority vs SNI, and Host vs SNI (the known residual).</summary>
[Collection(FakeInternetTests.Name)]
public sealed class FrontingTests(FakeInternet inet)
{
    [Fact(Timeout = 30_000)]
    public async Task N5_connect_authority_and_sni_mismatch_is_rejected()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);
        var allowed = LogMark.Of(inet.AllowedLog);
        var denied = LogMark.Of(inet.DeniedLog);
        using var socket = await ConnectThroughProxyAsync(h, "allowed.test:443", ct);

        await Assert.ThrowsAnyAsync<Exception>(() => h.HttpsAsync("denied.test", ct, connected: socket));

        Assert.Equal((EgressKinds.Tls, "denied.test", false), (h.LastDecision.Kind, h.LastDecision.Host, h.LastDecision.Allowed));
        Assert.Contains("differs from the CONNECT authority allowed.test", h.LastDecision.Reason, StringComparison.Ordinal);
        Assert.Empty(allowed.NewText());
        Assert.Empty(denied.NewText());
    }

    [Fact(Timeout = 30_000)]
    public async Task N5_negative_control_connect_with_the_matching_sni_is_tunnelled()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);
        using var socket = await ConnectThroughProxyAsync(h, "allowed.test:443", ct);

        Assert.Contains("ALLOWED", await h.HttpsAsync("allowed.test", ct, connected: socket), StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task N5_host_differing_from_sni_inside_tls_is_a_known_residual_and_is_logged()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);

        // The proxy does not terminate TLS: the "CDN" at .10 serves denied.test by Host.
        var response = await h.HttpsAsync("allowed.test", ct, host: "denied.test");

        Assert.Contains("DENIED-VHOST", response, StringComparison.Ordinal);
        Assert.Equal(ProxySession.TlsResidualNote, h.LastDecision.Note);
        var journal = await File.ReadAllTextAsync(Path.Combine(h.RunDirectory, EgressDecisionLog.FileName), ct);
        Assert.Contains("known residual N5", journal, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task N5_plain_http_host_differing_from_the_connect_authority_is_rejected()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);
        var allowed = LogMark.Of(inet.AllowedLog);
        using var socket = await ConnectThroughProxyAsync(h, "allowed.test:80", ct);

        await socket.SendAsync("GET / HTTP/1.1\r\nHost: denied.test\r\n\r\n"u8.ToArray(), SocketFlags.None, ct);
        var response = Encoding.ASCII.GetString(await EgressHarness.ReadToEndAsync(new NetworkStream(socket), ct));

        Assert.StartsWith("HTTP/1.1 403", response, StringComparison.Ordinal);
        Assert.Empty(allowed.NewText());
    }

    private static async Task<Socket> ConnectThroughProxyAsync(EgressHarness h, string authority, CancellationToken ct)
    {
        var socket = await h.ConnectAsync(80, ct);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n"), SocketFlags.None, ct);
        var head = new List<byte>();
        var one = new byte[1];
        while (!Encoding.ASCII.GetString([.. head]).EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            Assert.Equal(1, await socket.ReceiveAsync(one, SocketFlags.None, ct));
            head.Add(one[0]);
        }

        Assert.StartsWith("HTTP/1.1 200", Encoding.ASCII.GetString([.. head]), StringComparison.Ordinal);
        return socket;
    }
}
