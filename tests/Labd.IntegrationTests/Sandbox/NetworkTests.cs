using System.Net;
using Labd.Runs;
using W = Labd.Runs.SandboxWeakening;

namespace Labd.IntegrationTests.Sandbox;

/// <summary>
/// Escape suite N (the parts that need no fake internet): the netfilter rules labd installs
/// from outside. Host-side canaries listen on the egress host address (a host-local,
/// non-loopback address) and on 127.0.0.1; nothing leaves the machine.
/// </summary>
[Collection(SandboxTestGroup.Name)]
public sealed class NetworkTests(SandboxFixture fx)
{
    [Fact(Timeout = 120_000)]
    public async Task Policy_ports_are_DNATed_to_the_sandbox_proxy_listener_and_other_ports_reset()
    {
        // 203.0.113.0/24 (TEST-NET-3): with the rules in place no packet leaves the namespace.
        var r = await fx.RunAsync($"{fx.Net} tcp https 203.0.113.7 443; {fx.Net} tcp http 203.0.113.7 80; {fx.Net} tcp ssh 203.0.113.7 22", cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("https") == "ok:PROXY 443", r.ToString());
        Assert.Equal("ok:PROXY 80", r.Value("http"));
        Assert.Equal("ConnectionRefusedError", r.Value("ssh"));
    }

    [Fact(Timeout = 120_000)]
    public async Task DNS_goes_to_the_sandbox_dns_listener()
    {
        var before = fx.Egress.DnsDatagrams;
        var r = await fx.RunAsync($"{fx.Net} udp dns 10.0.2.3 53; {fx.Net} udp dns2 203.0.113.53 53", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("sent", r.Value("dns"));
        await WaitUntil(() => fx.Egress.DnsDatagrams >= before + 2);
        Assert.True(fx.Egress.DnsDatagrams >= before + 2, r.ToString());
    }

    private string Direct(int port) => $"{fx.Net} tcp direct {EgressHostAddress.Default} {port}; {fx.Net} udp udp {EgressHostAddress.Default} {port}";

    [Fact(Timeout = 120_000)]
    public async Task N1_N9_N12_direct_tcp_and_udp_to_a_host_address_are_refused()
    {
        using var canary = new HostCanary(EgressHostAddress.Default, "CANARY");
        var r = await fx.RunAsync(Direct(canary.Port), cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("direct") == "ConnectionRefusedError", r.ToString());
        await Task.Delay(200, TestContext.Current.CancellationToken); // UDP has no reply to wait for
        Assert.Equal(0, canary.Connections);
        Assert.Equal(0, canary.Datagrams);
    }

    [Fact(Timeout = 120_000)]
    public async Task N1_N9_N12_negative_control_without_rules_the_host_canary_is_reached()
    {
        using var canary = new HostCanary(EgressHostAddress.Default, "CANARY");
        var r = await fx.RunAsync(Direct(canary.Port), W.NoNetworkRules, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("direct") == "ok:CANARY", r.ToString());
        await WaitUntil(() => canary.Datagrams > 0);
        Assert.Equal(1, canary.Connections);
        Assert.True(canary.Datagrams > 0);
    }

    [Fact(Timeout = 120_000)]
    public async Task N11_host_loopback_via_slirp_is_refused()
    {
        using var canary = new HostCanary(IPAddress.Loopback, "HOST-LOOPBACK");
        var r = await fx.RunAsync($"{fx.Net} tcp loop 10.0.2.2 {canary.Port}", cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("loop") == "ConnectionRefusedError", r.ToString());
        Assert.Equal(0, canary.Connections);
    }

    [Fact(Timeout = 120_000)]
    public async Task N11_negative_control_without_rules_and_disable_host_loopback_reaches_host_loopback()
    {
        using var canary = new HostCanary(IPAddress.Loopback, "HOST-LOOPBACK");
        var r = await fx.RunAsync($"{fx.Net} tcp loop 10.0.2.2 {canary.Port}", W.NoNetworkRules | W.NoDisableHostLoopback, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("loop") == "ok:HOST-LOOPBACK", r.ToString());
        Assert.Equal(1, canary.Connections);
    }

    [Fact(Timeout = 120_000)]
    public async Task N14_IPv6_is_dropped_except_loopback()
    {
        var r = await fx.RunAsync("/usr/sbin/ip -6 route; " + $"{fx.Net} tcp v6 fd00::2 80", cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("v6") is "OSError" or "ConnectionRefusedError" or "TimeoutError", r.ToString());
        Assert.DoesNotContain("default", r.Log, StringComparison.Ordinal);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(20);
        }
    }
}
