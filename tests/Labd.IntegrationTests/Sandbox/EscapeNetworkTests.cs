using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Labd.Runs;
using Labd.SandboxPolicy;
using W = Labd.Runs.SandboxWeakening;

namespace Labd.IntegrationTests.Sandbox;

/// <summary>
/// Escape suite N9, N14 (sandbox arm and its control), N15, N16, N17 and N18, against the
/// netfilter rules labd installs from outside. Canaries listen on the egress host address
/// (host-local, non-loopback); nothing leaves the machine.
/// </summary>
[Collection(SandboxTestGroup.Name)]
public sealed class EscapeNetworkTests(SandboxFixture fx)
{
    private static readonly IPAddress Host = EgressHostAddress.Default;

    /// <summary>UDP sinks on the QUIC and DNS ports of a host address, counting datagrams.</summary>
    private sealed class UdpSinks : IDisposable
    {
        private readonly List<UdpClient> _sockets = [];
        private int _datagrams;

        public UdpSinks(params int[] ports)
        {
            foreach (var port in ports)
            {
                var socket = new UdpClient(new IPEndPoint(Host, port));
                _sockets.Add(socket);
                _ = CountAsync(socket);
            }
        }

        public int Datagrams => Volatile.Read(ref _datagrams);

        private async Task CountAsync(UdpClient socket)
        {
            try
            {
                while (true)
                {
                    await socket.ReceiveAsync();
                    Interlocked.Increment(ref _datagrams);
                }
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
            }
        }

        public void Dispose() => _sockets.ForEach(s => s.Dispose());
    }

    private string Udp => $"{fx.Net} udp quic {Host} 443; {fx.Net} udp dns {Host} 53; curl --http3-only -m2 https://{Host}/ >/dev/null 2>&1; echo curl_h3=$?";

    [Fact(Timeout = 120_000)]
    public async Task N9_udp_and_quic_to_443_and_53_never_reach_the_sinks()
    {
        using var sinks = new UdpSinks(443, 53);
        var dnsBefore = fx.Egress.DnsDatagrams;
        var r = await fx.RunAsync(Udp, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("quic") is not null, r.ToString());
        await Task.Delay(300, TestContext.Current.CancellationToken); // UDP has no reply to wait for
        Assert.Equal(0, sinks.Datagrams);
        // Port 53 is DNAT'ed to labd's own resolver, whatever address the sandbox picked.
        Assert.True(fx.Egress.DnsDatagrams > dnsBefore, r.ToString());
    }

    [Fact(Timeout = 120_000)]
    public async Task N9_negative_control_without_rules_slirp_forwards_the_udp_to_the_sinks()
    {
        using var sinks = new UdpSinks(443, 53);
        var r = await fx.RunAsync(Udp, W.NoNetworkRules, cancellationToken: TestContext.Current.CancellationToken);
        await HostProcesses.WaitUntilAsync(() => sinks.Datagrams >= 2, TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        Assert.True(sinks.Datagrams >= 2, r.ToString());
    }

    private string Mapped(int port) => $"{fx.Net} tcp mapped ::ffff:{Host} {port}";

    [Fact(Timeout = 120_000)]
    public async Task N14_v4_mapped_literal_is_judged_as_ipv4_and_refused()
    {
        using var canary = new HostCanary(Host, "CANARY");
        var r = await fx.RunAsync(Mapped(canary.Port), cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("mapped") is "ConnectionRefusedError" or "OSError", r.ToString());
        Assert.Equal(0, canary.Connections);
    }

    [Fact(Timeout = 120_000)]
    public async Task N14_negative_control_without_rules_the_v4_mapped_literal_reaches_the_host()
    {
        using var canary = new HostCanary(Host, "CANARY");
        var r = await fx.RunAsync(Mapped(canary.Port), W.NoNetworkRules, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("mapped") == "ok:CANARY", r.ToString());
        Assert.Equal(1, canary.Connections);
    }

    private string RawSockets =>
        $"ping -c1 -W1 {Host} >/dev/null 2>&1; echo ping=$?; " +
        $"{fx.Net} raw packet 17 3 0; {fx.Net} raw inet_raw 2 3 1; {fx.Net} raw icmp_dgram 2 2 1";

    [Fact(Timeout = 120_000)]
    public async Task N15_icmp_and_raw_sockets_are_refused()
    {
        var r = await fx.RunAsync(RawSockets, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("ping") is not null and not "0", r.ToString());
        Assert.Equal("PermissionError", r.Value("packet"));
        Assert.Equal("PermissionError", r.Value("inet_raw"));
        Assert.Equal("PermissionError", r.Value("icmp_dgram"));
    }

    [Fact(Timeout = 120_000)]
    public async Task N15_negative_control_root_with_caps_in_rootlesskits_userns_opens_raw_sockets()
    {
        var r = await fx.RunAsync(RawSockets, W.RootWithCapabilities | W.NoNestedUserNamespace | W.NoSeccomp, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("inet_raw") == "ok", r.ToString());
        Assert.Equal("ok", r.Value("packet"));
    }

    /// <summary>
    /// N16: the payload looks for the proxy, tries to signal everything it sees, hijacks the
    /// proxy's host port on its own loopback and on all addresses, then connects to a policy
    /// port (must still reach labd's listener). The harness then kills the proxy; the next
    /// connection must fail closed.
    /// </summary>
    private string ProxyTamper =>
        "echo proxy_seen=$(grep -l Labd.IntegrationTes[t] /proc/[0-9]*/cmdline 2>/dev/null | wc -l); " +
        "for p in /proc/[0-9]*; do q=${p#/proc/}; [ $q = $$ ] || [ $q = 1 ] || kill -9 $q 2>/dev/null; done; " +
        $"while [ ! -f {fx.Repo}/n16-port ]; do sleep 0.05; done; P=$(cat {fx.Repo}/n16-port); " +
        "python3 -c \"import socket,sys,time\nfor a in ('127.0.0.1','0.0.0.0'):\n  s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n  try: s.bind((a,int(sys.argv[1]))); s.listen(); print('hijack_'+a.replace('.','_')+'=ok', flush=True)\n  except OSError as e: print('hijack='+type(e).__name__, flush=True)\ntime.sleep(20)\" $P & HP=$!; " +
        $"sleep 0.5; {fx.Net} tcp before 203.0.113.7 443; touch {fx.Repo}/n16-ready; " +
        $"while [ ! -f {fx.Repo}/n16-killed ]; do sleep 0.05; done; {fx.Net} tcp after 203.0.113.7 443; kill $HP";

    private async Task<SandboxResult> TamperWithProxyAsync(W weakening, CancellationToken ct)
    {
        var run = await fx.StartAsync(ProxyTamper, weakening, cancellationToken: ct);
        try
        {
            var binding = run.TryGetEgressBinding() ?? throw new InvalidOperationException("no egress binding");
            await File.WriteAllTextAsync(Path.Combine(fx.Repo, "n16-port"), binding.PortMap[443].ToString(CultureInfo.InvariantCulture), ct);
            await HostProcesses.WaitUntilAsync(() => File.Exists(Path.Combine(fx.Repo, "n16-ready")), TimeSpan.FromSeconds(30), ct);
            await fx.Egress.ReleaseAsync(run.Id, ct); // the proxy for this run dies
            await File.WriteAllTextAsync(Path.Combine(fx.Repo, "n16-killed"), "", ct);
            return new SandboxResult(run, await run.WaitAsync(ct), await File.ReadAllTextAsync(run.LogPath, ct));
        }
        finally
        {
            foreach (var f in new[] { "n16-port", "n16-ready", "n16-killed" })
            {
                File.Delete(Path.Combine(fx.Repo, f));
            }
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task N16_the_proxy_is_invisible_unsignalable_unhijackable_and_fails_closed()
    {
        var r = await TamperWithProxyAsync(W.None, TestContext.Current.CancellationToken);
        Assert.True(r.Value("proxy_seen") == "0", r.ToString());
        Assert.Equal("ok", r.Value("hijack_127_0_0_1"));
        Assert.Equal("ok:PROXY 443", r.Value("before"));
        Assert.True(r.Value("after") is "ConnectionRefusedError" or "ConnectionResetError" or "TimeoutError", r.ToString());
    }

    [Fact(Timeout = 120_000)]
    public async Task N16_negative_control_sharing_the_pid_namespace_shows_the_proxy_process()
    {
        var r = await TamperWithProxyAsync(W.SharePidNamespace, TestContext.Current.CancellationToken);
        Assert.True(r.Value("proxy_seen") is not null and not "0", r.ToString());
    }

    /// <summary>N17: rootlesskit's API socket and slirp4netns's are the two control planes.</summary>
    private string ControlPlane => $"echo rk_vars=$(env | grep -c ROOTLESSKIT); {fx.Net} unix api {fx.Root}/state/runs/$LAB_RUN_ID/rk/api.sock; sleep 1";

    [Fact(Timeout = 120_000)]
    public async Task N17_no_rootlesskit_api_socket_variable_port_driver_or_slirp_api_reaches_the_sandbox()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = "n17" + Guid.NewGuid().ToString("N")[..8];
        var run = await fx.StartAsync(ControlPlane, cancellationToken: ct, runId: id);
        await HostProcesses.WaitUntilAsync(() => File.Exists(run.Paths.Started), TimeSpan.FromSeconds(30), ct);
        var chain = HostProcesses.With(id).Select(CommandLine).ToList();
        var r = new SandboxResult(run, await run.WaitAsync(ct), await File.ReadAllTextAsync(run.LogPath, ct));
        Assert.True(r.Value("rk_vars") == "0", r.ToString());
        Assert.StartsWith("FileNotFoundError", r.Value("api"), StringComparison.Ordinal);
        Assert.Contains(chain, c => c.Contains("rootlesskit", StringComparison.Ordinal) && c.Contains("--port-driver=none", StringComparison.Ordinal));
        Assert.DoesNotContain(chain, c => c.Contains("--api-socket", StringComparison.Ordinal));
    }

    [Fact(Timeout = 120_000)]
    public async Task N17_negative_control_binding_the_state_dir_makes_rootlesskits_api_socket_reachable()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = "n17" + Guid.NewGuid().ToString("N")[..8];
        var state = Path.Combine(fx.Root, "state", "runs", id, "rk");
        var spec = fx.Spec() with { Files = fx.Spec().Files.Add(new FileRule(state, AccessMode.ReadWrite, "rk: rw", null)) };
        var r = await fx.RunAsync(ControlPlane, W.NoNestedUserNamespace | W.RootWithCapabilities, spec: spec, cancellationToken: ct, runId: id);
        Assert.True(r.Value("api") == "ok", r.ToString());
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>N18: the same probes with and without proxy variables (and NO_PROXY=*); policy
    /// ports reach only labd's listener, others (ssh, smtp, the canary's) are reset.</summary>
    private string ProxyVariables(int port)
    {
        var probes = $"{fx.Net} tcp https 203.0.113.7 443; {fx.Net} tcp ssh 203.0.113.7 22; {fx.Net} tcp smtp 203.0.113.7 25; {fx.Net} tcp canary {Host} {port}";
        return $"({probes}) | sed 's/^/plain_/'; " +
            $"export HTTP_PROXY=http://203.0.113.9:3128 HTTPS_PROXY=http://203.0.113.9:3128 NO_PROXY='*'; ({probes}) | sed 's/^/proxyenv_/'; " +
            $"env -u HTTP_PROXY -u HTTPS_PROXY curl -sS -m3 -o /dev/null -w 'curl=%{{http_code}}\\n' http://203.0.113.7:25/ 2>/dev/null; echo curl_rc=$?";
    }

    [Fact(Timeout = 120_000)]
    public async Task N18_decisions_are_identical_with_or_without_proxy_variables_and_only_policy_ports_open()
    {
        using var canary = new HostCanary(Host, "CANARY");
        var r = await fx.RunAsync(ProxyVariables(canary.Port), cancellationToken: TestContext.Current.CancellationToken);
        foreach (var prefix in new[] { "plain_", "proxyenv_" })
        {
            Assert.True(r.Value(prefix + "https") == "ok:PROXY 443", r.ToString());
            Assert.Equal("ConnectionRefusedError", r.Value(prefix + "ssh"));
            Assert.Equal("ConnectionRefusedError", r.Value(prefix + "smtp"));
            Assert.Equal("ConnectionRefusedError", r.Value(prefix + "canary"));
        }
        Assert.NotEqual("0", r.Value("curl_rc"));
        Assert.Equal(0, canary.Connections);
    }

    [Fact(Timeout = 120_000)]
    public async Task N18_negative_control_without_rules_a_non_policy_port_is_reached()
    {
        using var canary = new HostCanary(Host, "CANARY");
        var r = await fx.RunAsync(ProxyVariables(canary.Port), W.NoNetworkRules, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("plain_canary") == "ok:CANARY", r.ToString());
        Assert.Equal("ok:CANARY", r.Value("proxyenv_canary"));
    }
}
