using System.Text.Json;
using Labd.IntegrationTests.Daemon;
using Labd.IntegrationTests.TestBed;
using Labd.Protocol;

namespace Labd.IntegrationTests.Runs;

/// <summary>End to end: labctl → labd → sandbox → egress proxy → the fake internet.</summary>
[Collection(FakeInternetTests.Name)]
public sealed class RunTests(FakeInternet inet)
{
    [Fact(Timeout = 120000)]
    public async Task Labctl_run_true_exits_zero()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await RunsBed.StartAsync(inet, ct);

        var (exit, _, stderr) = await bed.LabctlAsync(["run", "--", "true"], ct);

        Assert.True(exit == 0, $"exit {exit}: {stderr}\n{bed.Labd.Output}");
    }

    [Fact(Timeout = 120000)]
    public async Task Labctl_run_exits_with_the_target_exit_code_and_streams_its_output()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await RunsBed.StartAsync(inet, ct);

        var (exit, stdout, stderr) = await bed.LabctlAsync(["run", "--", "sh", "-c", "echo hello from the sandbox; exit 7"], ct);

        Assert.True(exit == 7, $"exit {exit}: {stderr}\n{bed.Labd.Output}");
        Assert.Contains("hello from the sandbox", stdout, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task A_run_reaches_an_allowed_host_through_the_proxy()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await RunsBed.StartAsync(inet, ct);

        var (exit, stdout, stderr) = await bed.LabctlAsync(["run", "--", "curl", "-sS", "--max-time", "20", "--cacert", bed.CaFile, "https://allowed.test/"], ct);

        Assert.True(exit == 0, $"exit {exit}: {stdout}\n{stderr}\n{bed.Labd.Output}");
        Assert.False(string.IsNullOrWhiteSpace(stdout), "the page is empty");
        Assert.DoesNotContain("was denied", stderr, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task A_denied_host_fails_the_run_and_labctl_names_the_policy_and_the_rule()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await RunsBed.StartAsync(inet, ct);

        // --resolve skips DNS (which refuses denied.test too), so the proxy sees the TLS ClientHello.
        var (exit, _, stderr) = await bed.LabctlAsync(
            ["run", "--", "curl", "-sS", "--max-time", "20", "--cacert", bed.CaFile, "--resolve", $"denied.test:443:{FakeInternet.DeniedAddress}", "https://denied.test/"], ct);

        Assert.NotEqual(0, exit);
        Assert.Contains("labctl: egress to denied.test:443 was denied by policy 'default': ", stderr, StringComparison.Ordinal);
        Assert.Contains("denied.test", stderr[stderr.IndexOf("by policy", StringComparison.Ordinal)..], StringComparison.Ordinal);
        Assert.Contains("denied by", stderr, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task The_egress_route_lists_allowed_and_denied_decisions_of_a_run()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await RunsBed.StartAsync(inet, ct);
        var script = $"curl -sS --max-time 20 --cacert {bed.CaFile} https://allowed.test/ >/dev/null; "
            + $"curl -sS --max-time 20 --cacert {bed.CaFile} --resolve denied.test:443:{FakeInternet.DeniedAddress} https://denied.test/; true";
        var run = await bed.StartRunAsync(["sh", "-c", script], ct);
        using var client = bed.Labd.Client();
        client.Timeout = TimeSpan.FromSeconds(100);
        var ended = JsonSerializer.Deserialize(await client.GetStringAsync(Routes.RunWait(run.Id), ct), ProtocolJsonContext.Default.RunRecord)!;
        Assert.Equal(0, ended.ExitCode);

        var lines = (await client.GetStringAsync(Routes.RunEgress(run.Id), ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var decisions = lines.Select(l => JsonSerializer.Deserialize(l, ProtocolJsonContext.Default.RunEgressDecision)!).ToList();

        Assert.Contains(decisions, d => d.Host == "allowed.test" && d.Port == 443 && d.Allowed && d.Kind == "tls");
        Assert.Contains(decisions, d => d.Host == "denied.test" && d.Port == 443 && !d.Allowed && d.Kind == "tls");
    }

    [Fact(Timeout = 120000)]
    public async Task A_user_cannot_see_a_run_started_by_root()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await RunsBed.StartAsync(inet, ct);
        var run = await bed.StartRunAsync(["true"], ct);

        var asUser = await Curl.AsUserAsync(TestAccounts.User, bed.Labd.SocketPath, "GET", Routes.Run(run.Id), null, ct);
        var asRoot = await Curl.AsUserAsync("root", bed.Labd.SocketPath, "GET", Routes.Run(run.Id), null, ct);
        var listed = await Curl.AsUserAsync(TestAccounts.User, bed.Labd.SocketPath, "GET", Routes.Runs, null, ct);

        Assert.Equal(404, asUser.Status);
        Assert.Equal("run-not-found", asUser.Problem().Code);
        Assert.Equal(200, asRoot.Status);
        Assert.DoesNotContain(run.Id, listed.Body, StringComparison.Ordinal);
        using var client = bed.Labd.Client();
        await client.GetStringAsync(Routes.RunWait(run.Id), ct);
    }

    [Fact(Timeout = 180000)]
    public async Task A_run_survives_kill_9_of_labd_and_wait_reports_its_exit_code_after_the_restart()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await RunsBed.StartAsync(inet, ct);
        var marker = Path.Combine(bed.Work, "marker");
        // The run appends to a marker, then blocks until the test writes to the fifo: proof that it
        // ran exactly once, and a deterministic point to crash labd at.
        var fifo = await bed.CreateGateAsync("go", ct);
        var run = await bed.StartRunAsync(["sh", "-c", $"echo ran >> {marker}; read line < {fifo}; exit 42"], ct);
        while (!File.Exists(marker))
        {
            await Task.Delay(20, ct);
        }

        await bed.CrashAndRestartAsync(ct);
        await File.WriteAllTextAsync(fifo, "go\n", ct);
        using var client = bed.Labd.Client();
        client.Timeout = TimeSpan.FromSeconds(100);
        var ended = JsonSerializer.Deserialize(await client.GetStringAsync(Routes.RunWait(run.Id), ct), ProtocolJsonContext.Default.RunRecord)!;

        Assert.Equal("exited", ended.Outcome);
        Assert.Equal(42, ended.ExitCode);
        Assert.Equal(["ran"], await File.ReadAllLinesAsync(marker, ct));
    }
}
