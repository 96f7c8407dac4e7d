using System.Globalization;
using Labd.Runs;
using W = Labd.Runs.SandboxWeakening;

namespace Labd.IntegrationTests.Sandbox;

/// <summary>
/// Escape suite P2: resource exhaustion, each attack bounded to about 20 s, while a real labd's
/// <c>GET /v1/status</c> is timed (p99 must stay under 1 s). Without systemd, memory and pids
/// are limited by the supervisor's cgroup leaf (and RLIMIT_NPROC), /tmp and /dev/shm by sized
/// tmpfs, output by the log cap. Negative controls: <see cref="W.NoResourceLimits"/>, with
/// attacks sized so that the unlimited sandbox succeeds without hurting the host.
/// </summary>
[Collection(SandboxTestGroup.Name)]
public sealed class ResourceTests(SandboxFixture fx)
{
    [Fact(Timeout = 120_000)]
    public async Task P2_fork_bomb_is_held_to_the_pids_limit_and_labd_stays_responsive()
    {
        var ct = TestContext.Current.CancellationToken;
        SandboxFixture.Require();
        await using var latency = await ApiLatency.StartAsync(ct);
        var marker = "p2bomb" + Guid.NewGuid().ToString("N")[..8];
        var spec = fx.Spec(pids: 128, timeout: TimeSpan.FromSeconds(10));
        var run = await fx.StartAsync($"f() {{ f | f & }}; f; while ! sleep 20; do :; done; : {marker}", spec: spec, cancellationToken: ct);
        var peak = 0;
        var wait = run.WaitAsync(ct);
        while (!wait.IsCompleted)
        {
            peak = Math.Max(peak, HostProcesses.With(marker).Count(p => HostProcesses.UidOf(p) > 0));
            await Task.WhenAny(wait, Task.Delay(200, ct));
        }
        var exit = await wait;
        await latency.AssertResponsiveAsync("fork bomb");
        Assert.True(exit.Outcome == RunOutcome.TimedOut, exit.ToString());
        // The bomb ran into the limit: dash reports each refused fork. The sampled peak is only
        // a lower bound (the bomb's processes churn between samples on a loaded host).
        var log = File.Exists(run.LogPath) ? await File.ReadAllTextAsync(run.LogPath, ct) : "";
        TestContext.Current.SendDiagnosticMessage($"P2 fork bomb: sampled peak {peak}, refused forks in the log: {log.Split("Cannot fork").Length - 1}");
        Assert.True(peak <= 128, $"peak {peak} bomb processes");
        Assert.True(peak > 10 || log.Contains("Cannot fork", StringComparison.Ordinal), $"peak {peak} bomb processes and no refused fork in the log:\n{log[..Math.Min(log.Length, 2000)]}");
        await HostProcesses.WaitUntilAsync(() => HostProcesses.With(marker).Count == 0, TimeSpan.FromSeconds(5), ct);
        Assert.Empty(HostProcesses.With(marker));
    }

    private const string Spawn300 = "i=0; while [ $i -lt 300 ]; do sleep 5 & i=$((i+1)); done; echo procs=$(ls /proc | grep -c '^[0-9]')";

    [Fact(Timeout = 120_000)]
    public async Task P2_pids_limit_stops_the_300th_process()
    {
        var r = await fx.RunAsync(Spawn300, spec: fx.Spec(pids: 128), cancellationToken: TestContext.Current.CancellationToken);
        // dash gives up at the first failed fork; either way the 300 never run.
        Assert.True(r.Value("procs") is { } procs ? int.Parse(procs, CultureInfo.InvariantCulture) < 130 : r.Log.Contains("Cannot fork", StringComparison.Ordinal), r.ToString());
    }

    [Fact(Timeout = 120_000)]
    public async Task P2_negative_control_without_limits_300_processes_start()
    {
        var r = await fx.RunAsync(Spawn300, W.NoResourceLimits, spec: fx.Spec(pids: 128), cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(int.Parse(r.Value("procs") ?? "0", CultureInfo.InvariantCulture) >= 300, r.ToString());
    }

    /// <summary>Grows by touched 64 MiB blocks to 1 GiB (bytes multiplication writes every page;
    /// a single huge bytearray would be refused by overcommit and prove nothing).</summary>
    private const string Balloon =
        "python3 -c \"import sys\nb=[]\nfor i in range(16):\n  b.append(b'\\x01'*(64<<20)); print('mb=%d' % ((i+1)*64), flush=True)\nprint('balloon=done', flush=True)\"; echo balloon_rc=$?";

    [Fact(Timeout = 120_000)]
    public async Task P2_memory_balloon_is_killed_at_the_memory_limit_and_labd_stays_responsive()
    {
        var ct = TestContext.Current.CancellationToken;
        SandboxFixture.Require();
        await using var latency = await ApiLatency.StartAsync(ct);
        var r = await fx.RunAsync(Balloon, spec: fx.Spec(memoryBytes: 256L << 20, timeout: TimeSpan.FromSeconds(20)), cancellationToken: ct);
        await latency.AssertResponsiveAsync("memory balloon");
        Assert.True(r.Value("balloon_rc") == "137", r.ToString()); // SIGKILL from the OOM killer
        Assert.Null(r.Value("balloon"));
        var reached = r.Log.Split('\n').Where(l => l.StartsWith("mb=", StringComparison.Ordinal)).Select(l => int.Parse(l[3..], CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();
        Assert.True(reached <= 256, r.ToString());
        // labd's end line says the memory limit killed it (the cgroup's oom_kill counter), not only a status.
        Assert.EndsWith("[labd: exited with status 0 (out of memory: the run's memory limit is 256M)]\n", r.Log, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task P2_negative_control_without_limits_the_balloon_reaches_a_gigabyte()
    {
        var r = await fx.RunAsync(Balloon, W.NoResourceLimits, spec: fx.Spec(memoryBytes: 256L << 20, timeout: TimeSpan.FromSeconds(20)), cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("balloon") == "done", r.ToString());
    }

    /// <summary>/tmp and /dev/shm each get 1 GiB + 100 MiB (the fixture's tmpfs size is 1 GiB),
    /// then an inode flood of small files in /tmp for up to 5 s.</summary>
    private const string Fill =
        "head -c 1124M /dev/zero > /tmp/fill 2>/dev/null; echo tmp=$?; rm -f /tmp/fill; " +
        "head -c 1124M /dev/zero > /dev/shm/fill 2>/dev/null; echo shm=$?; rm -f /dev/shm/fill; " +
        "python3 -c \"import os,time\nt=time.time()+5; n=0\ntry:\n  while time.time()<t:\n    open('/tmp/i%d' % n,'w').close(); n+=1\nexcept OSError as e: print('inode_error=%s' % e.strerror)\nprint('inodes=%d' % n)\"";

    [Fact(Timeout = 120_000)]
    public async Task P2_tmp_and_dev_shm_fills_stop_at_the_tmpfs_size_and_labd_stays_responsive()
    {
        var ct = TestContext.Current.CancellationToken;
        SandboxFixture.Require();
        await using var latency = await ApiLatency.StartAsync(ct);
        var r = await fx.RunAsync(Fill, spec: fx.Spec(timeout: TimeSpan.FromSeconds(30)), cancellationToken: ct);
        await latency.AssertResponsiveAsync("/tmp, /dev/shm and inode flood");
        Assert.True(r.Value("tmp") is not null and not "0", r.ToString());
        Assert.True(r.Value("shm") is not null and not "0", r.ToString());
        Assert.NotNull(r.Value("inodes"));
    }

    [Fact(Timeout = 120_000)]
    public async Task P2_negative_control_without_tmpfs_sizes_both_fills_succeed()
    {
        var r = await fx.RunAsync(Fill, W.NoResourceLimits, spec: fx.Spec(timeout: TimeSpan.FromSeconds(30)), cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("tmp") == "0", r.ToString());
        Assert.Equal("0", r.Value("shm"));
    }

    [Fact(Timeout = 120_000)]
    public async Task P2_ten_gigabytes_to_stdout_stay_under_the_log_cap_and_labd_stays_responsive()
    {
        var ct = TestContext.Current.CancellationToken;
        SandboxFixture.Require();
        await using var latency = await ApiLatency.StartAsync(ct);
        var r = await fx.RunAsync("head -c 10G /dev/zero; echo end", spec: fx.Spec(logBytes: 1 << 20, timeout: TimeSpan.FromSeconds(20)), cancellationToken: ct);
        await latency.AssertResponsiveAsync("10 GB to stdout");
        Assert.True(r.Exit.LogTruncated, r.Exit.ToString());
        Assert.True(new FileInfo(r.Run.LogPath).Length <= (1 << 20) + 4096, new FileInfo(r.Run.LogPath).Length.ToString(CultureInfo.InvariantCulture));
        Assert.True(r.Exit.Outcome is RunOutcome.Exited or RunOutcome.TimedOut, r.Exit.ToString());
    }

    [Fact(Timeout = 120_000)]
    public async Task P2_negative_control_with_a_large_cap_the_log_holds_what_was_written()
    {
        var r = await fx.RunAsync("head -c 50M /dev/zero; echo end", spec: fx.Spec(logBytes: 256L << 20), cancellationToken: TestContext.Current.CancellationToken);
        Assert.False(r.Exit.LogTruncated);
        Assert.True(new FileInfo(r.Run.LogPath).Length >= 50L << 20);
    }
}
