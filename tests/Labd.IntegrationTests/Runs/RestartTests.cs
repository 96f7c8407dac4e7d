using System.Text.Json;
using Labd.IntegrationTests.Daemon;
using Labd.IntegrationTests.TestBed;
using Labd.Protocol;

namespace Labd.IntegrationTests.Runs;

/// <summary>Runs outlive labd: re-adopted after kill -9, with their egress listeners re-opened.</summary>
[Collection(FakeInternetTests.Name)]
public sealed class RestartTests(FakeInternet inet)
{
    [Fact(Timeout = 180000)]
    public async Task A_run_readopted_after_kill_9_still_reaches_an_allowed_host()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await RunsBed.StartAsync(inet, ct);
        var ready = Path.Combine(bed.Work, "ready");
        var fifo = await bed.CreateGateAsync("go", ct);
        var run = await bed.StartRunAsync(["sh", "-c", $"touch {ready}; read line < {fifo}; curl -sS --max-time 20 --cacert {bed.CaFile} https://allowed.test/"], ct);
        while (!File.Exists(ready))
        {
            await Task.Delay(20, ct);
        }

        await bed.CrashAndRestartAsync(ct);
        await File.WriteAllTextAsync(fifo, "go\n", ct);
        using var client = bed.Labd.Client();
        client.Timeout = TimeSpan.FromSeconds(100);
        var ended = JsonSerializer.Deserialize(await client.GetStringAsync(Routes.RunWait(run.Id), ct), ProtocolJsonContext.Default.RunRecord)!;
        var log = await client.GetStringAsync(Routes.RunLogs(run.Id, follow: false), ct);

        Assert.True(ended.ExitCode == 0, $"{ended.Outcome} {ended.ExitCode}: {log}\n{bed.Labd.Output}");
    }

    [Fact(Timeout = 120000)]
    public async Task Labctl_run_exits_124_when_the_timeout_runs_out()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await RunsBed.StartAsync(inet, ct);

        var (exit, _, stderr) = await bed.LabctlAsync(["run", "--timeout", "1s", "--", "sleep", "60"], ct);

        Assert.True(exit == 124, $"exit {exit}: {stderr}");
        Assert.Contains("timed out", stderr, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task Ctrl_c_in_labctl_run_cancels_the_run_and_exits_130()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await RunsBed.StartAsync(inet, ct);
        var process = bed.StartLabctl(["run", "--", "sh", "-c", "echo started; sleep 60"]);
        var pid = process.Id;
        var labctl = Command.CollectAsync(process, ct);
        using var client = bed.Labd.Client();
        RunRecord? run = null;
        while (run is null)
        {
            var runs = JsonSerializer.Deserialize(await client.GetStringAsync(Routes.Runs, ct), ProtocolJsonContext.Default.IReadOnlyListRunRecord)!;
            run = runs.Count > 0 ? runs[0] : null;
            await Task.Delay(run is null ? 20 : 0, ct);
        }
        while (!(await client.GetStringAsync(Routes.RunLogs(run.Id, follow: false), ct)).Contains("started", StringComparison.Ordinal))
        {
            await Task.Delay(20, ct);
        }

        Labd.Interop.Signals.Send(pid, 2); // SIGINT, as Ctrl-C sends
        var (exit, _, stderr) = await labctl;
        Assert.True(exit == 130, $"exit {exit}: {stderr}");
        var ended = JsonSerializer.Deserialize(await client.GetStringAsync(Routes.RunWait(run.Id), ct), ProtocolJsonContext.Default.RunRecord)!;

        Assert.True(exit == 130, $"exit {exit}: {stderr}");
        Assert.Equal("cancelled", ended.Outcome);
    }
}
