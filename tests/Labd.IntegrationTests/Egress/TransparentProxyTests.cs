using System.Diagnostics;
using System.Net.Sockets;
using Labd.Egress;
using Labd.IntegrationTests.TestBed;
using Labd.Testing;

namespace Labd.IntegrationTests.Egress;

/// <summary>ESCAPE-SUITE N2 (positive and negative control), N3 (SNI spoofing), N4 (Host spoofing);
/// and the proxy's share of N18: what names no host is refused.</summary>
[Collection(FakeInternetTests.Name)]
public sealed class TransparentProxyTests(FakeInternet inet)
{
    private static readonly string[] CurlDefaults = ["-sS", "-m", "10", "--noproxy", ""];

    [Fact(Timeout = 30_000)]
    public async Task N2_allowed_https_gets_through_and_is_logged()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);

        var response = await h.HttpsAsync("allowed.test", ct);

        Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
        Assert.Contains("ALLOWED host=allowed.test", response, StringComparison.Ordinal);
        var decision = h.LastDecision;
        Assert.Equal((EgressKinds.Tls, "allowed.test", 443, true, "198.51.100.10"), (decision.Kind, decision.Host, decision.Port, decision.Allowed, decision.ResolvedAddress));
        var journal = await File.ReadAllLinesAsync(Path.Combine(h.RunDirectory, EgressDecisionLog.FileName), ct);
        Assert.Contains(journal, l => l.Contains("\"host\":\"allowed.test\"", StringComparison.Ordinal) && l.Contains("\"allowed\":true", StringComparison.Ordinal));
    }

    [Fact(Timeout = 30_000)]
    public async Task N2_denied_https_is_refused_and_the_reason_is_logged()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);
        var denied = LogMark.Of(inet.DeniedLog);

        await Assert.ThrowsAnyAsync<Exception>(() => h.HttpsAsync("denied.test", ct));

        Assert.Equal((EgressKinds.Tls, "denied.test", false, "no rule allows denied.test"), (h.LastDecision.Kind, h.LastDecision.Host, h.LastDecision.Allowed, h.LastDecision.Reason));
        Assert.Empty(denied.NewText());
    }

    [Fact(Timeout = 30_000)]
    public async Task N2_negative_control_a_permissive_policy_reaches_denied_test()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct, new TestEgressMatcher([], [], 80, 443) { Permissive = true });
        var denied = LogMark.Of(inet.DeniedLog);

        Assert.Contains("DENIED host=denied.test", await h.HttpsAsync("denied.test", ct), StringComparison.Ordinal);
        await denied.WaitForAsync("DENIED", ct);
    }

    [Fact(Timeout = 30_000)]
    public async Task N2_denied_http_gets_403_naming_the_destination_and_the_reason()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);

        var response = await h.HttpAsync("GET / HTTP/1.1\r\nHost: denied.test\r\n\r\n", ct);

        Assert.StartsWith("HTTP/1.1 403 Forbidden", response, StringComparison.Ordinal);
        Assert.Contains("labd: egress to denied.test:80 denied by policy: no rule allows denied.test", response, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task N2_explicit_proxy_connect_to_denied_test_gets_403()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);

        var response = await h.HttpAsync("CONNECT denied.test:443 HTTP/1.1\r\nHost: denied.test:443\r\n\r\n", ct);

        Assert.StartsWith("HTTP/1.1 403", response, StringComparison.Ordinal);
        Assert.Equal((EgressKinds.Connect, "denied.test", 443, false), (h.LastDecision.Kind, h.LastDecision.Host, h.LastDecision.Port, h.LastDecision.Allowed));
    }

    [Fact(Timeout = 60_000)]
    public async Task N2_curl_gets_200_from_allowed_test_and_a_visible_403_for_denied_test()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);
        var port = h.Egress.Ports[443];
        var httpPort = h.Egress.Ports[80];

        var (allowedExit, allowedOut) = await CurlAsync(ct, "--cacert", inet.CaCertificatePath, "--connect-to", $"allowed.test:443:127.0.0.1:{port}", "https://allowed.test/");
        var (deniedExit, deniedOut) = await CurlAsync(ct, "-x", $"http://127.0.0.1:{httpPort}", "--cacert", inet.CaCertificatePath, "https://denied.test/");

        Assert.Equal(0, allowedExit);
        Assert.Contains("ALLOWED", allowedOut, StringComparison.Ordinal);
        Assert.NotEqual(0, deniedExit);
        Assert.Contains("403", deniedOut, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task N3_sni_spoofing_dials_the_resolved_address_not_the_chosen_one()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);
        var evil = LogMark.Of(inet.EvilLog);

        // The sandbox "connected to 198.51.100.66:443 with SNI allowed.test"; after DNAT only the port is left.
        var response = await h.HttpsAsync("allowed.test", ct);

        Assert.Contains("ALLOWED", response, StringComparison.Ordinal);
        Assert.Equal("198.51.100.10", h.LastDecision.ResolvedAddress);
        Assert.Empty(evil.NewText());
    }

    [Fact(Timeout = 30_000)]
    public async Task N3_negative_control_a_proxy_dialing_the_chosen_destination_reaches_evil()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct, resolver: new FixedResolver(FakeInternet.EvilAddress));
        var evil = LogMark.Of(inet.EvilLog);

        Assert.Contains("EVIL", await h.HttpsAsync("allowed.test", ct, trustAnyCertificate: true), StringComparison.Ordinal);
        await evil.WaitForAsync("SNI=allowed.test", ct);
    }

    [Fact(Timeout = 30_000)]
    public async Task N4_host_header_spoofing_reaches_the_allowed_server_not_the_chosen_one()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);
        var evil = LogMark.Of(inet.EvilLog);

        var response = await h.HttpAsync("GET / HTTP/1.1\r\nHost: allowed.test\r\n\r\n", ct);

        Assert.Contains("ALLOWED host=allowed.test", response, StringComparison.Ordinal);
        Assert.Equal("198.51.100.10", h.LastDecision.ResolvedAddress);
        Assert.Empty(evil.NewText());
    }

    [Fact(Timeout = 30_000)]
    public async Task N4_negative_control_a_proxy_dialing_the_chosen_destination_delivers_to_evil()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct, resolver: new FixedResolver(FakeInternet.EvilAddress));
        var evil = LogMark.Of(inet.EvilLog);

        _ = await h.HttpAsync("GET / HTTP/1.1\r\nHost: allowed.test\r\n\r\n", ct);

        await evil.WaitForAsync("Host: allowed.test", ct);
    }

    [Fact(Timeout = 30_000)]
    public async Task N4_non_policy_ports_have_no_listener_and_a_host_naming_another_port_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);
        var evil = LogMark.Of(inet.EvilLog);

        Assert.Equal([80, 443], h.Egress.Ports.Keys.Order());
        var response = await h.HttpAsync("GET / HTTP/1.1\r\nHost: allowed.test:8080\r\n\r\n", ct);

        Assert.StartsWith("HTTP/1.1 403", response, StringComparison.Ordinal);
        Assert.Empty(evil.NewText());
    }

    [Fact(Timeout = 30_000)]
    public async Task Ssh_banner_and_random_bytes_are_refused_as_unnamed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);

        var reply = await h.ExchangeAsync(443, "SSH-2.0-OpenSSH_9.2\r\n"u8.ToArray(), ct);

        Assert.Empty(reply);
        Assert.Equal((EgressKinds.Unknown, false), (h.LastDecision.Kind, h.LastDecision.Allowed));
        Assert.Empty(await h.ExchangeAsync(80, [0x00, 0xff, 0x13, 0x37], ct));
        Assert.False(h.LastDecision.Allowed);
    }

    [Fact(Timeout = 30_000)]
    public async Task Silent_or_slow_client_is_cut_off_after_the_peek_timeout()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct, peekTimeout: TimeSpan.FromSeconds(1));
        using var socket = await h.ConnectAsync(443, ct);

        await socket.SendAsync(ClientHelloBuilder.Build("allowed.test").AsMemory(0, 20), SocketFlags.None, ct);
        var rest = await EgressHarness.ReadToEndAsync(new NetworkStream(socket), ct);

        Assert.Empty(rest);
        Assert.Equal((false, "client sent no complete ClientHello or request head in time"), (h.LastDecision.Allowed, h.LastDecision.Reason));
    }

    private static async Task<(int Exit, string Output)> CurlAsync(CancellationToken cancellationToken, params string[] args)
    {
        var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in CurlDefaults.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await stdout + await stderr);
    }
}
