using System.Globalization;
using Labd.Interop;
using Labd.Runs;
using W = Labd.Runs.SandboxWeakening;

namespace Labd.IntegrationTests.Sandbox;

/// <summary>Escape suite B10, B11, B19, P1 and the supervisor's lifecycle duties.</summary>
[Collection(SandboxTestGroup.Name)]
public sealed class HygieneTests(SandboxFixture fx)
{
    private const string EnvLeaks = "env; echo ---; tr '\\0' '\\n' < /proc/1/environ; echo; echo cmdline=$(tr '\\0' ' ' < /proc/1/cmdline)";

    /// <summary>The log holds what the target wrote, stdout and stderr in the order written, and
    /// nothing of the launch tools' start-up (rootlesskit's resolv.conf notice among them).</summary>
    [Fact(Timeout = 120_000)]
    public async Task The_log_is_the_targets_output_alone_in_order()
    {
        var r = await fx.RunAsync("echo one; echo two >&2; echo three; echo four >&2", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("one\ntwo\nthree\nfour\n", r.Log);
    }

    [Fact(Timeout = 120_000)]
    public async Task B10_no_labd_or_rootlesskit_variables_reach_the_target_or_pid_1()
    {
        Environment.SetEnvironmentVariable("LABD_CANARY_SECRET", "canary-b10-secret");
        try
        {
            var r = await fx.RunAsync(EnvLeaks, cancellationToken: TestContext.Current.CancellationToken);
            Assert.Contains("---", r.Log, StringComparison.Ordinal);
            Assert.DoesNotContain("canary-b10-secret", r.Log, StringComparison.Ordinal);
            Assert.DoesNotContain("ROOTLESSKIT", r.Log, StringComparison.Ordinal);
            Assert.Contains("LAB_API_SOCKET=/run/lab/api.sock", r.Log, StringComparison.Ordinal);
            // bwrap's options travel in --args FD: pid 1's argv shows none of them.
            Assert.DoesNotContain("--bind", r.Value("cmdline") ?? "", StringComparison.Ordinal);
            Assert.StartsWith("/usr/bin/bwrap --args", r.Value("cmdline"), StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("LABD_CANARY_SECRET", null);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task B10_negative_control_inheriting_the_environment_leaks_the_canary()
    {
        Environment.SetEnvironmentVariable("LABD_CANARY_SECRET", "canary-b10-secret");
        try
        {
            var r = await fx.RunAsync(EnvLeaks, W.InheritEnvironment, cancellationToken: TestContext.Current.CancellationToken);
            Assert.Contains("canary-b10-secret", r.Log, StringComparison.Ordinal);
            Assert.Contains("ROOTLESSKIT_STATE_DIR", r.Log, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("LABD_CANARY_SECRET", null);
        }
    }

    private async Task<(SandboxResult Result, int Fd)> RunWithPlantedFdAsync(W weakening, CancellationToken cancellationToken)
    {
        var canaryFile = Path.Combine(fx.Root, "fd-canary");
        await File.WriteAllTextAsync(canaryFile, "FD-CANARY", cancellationToken);
        using var source = File.OpenHandle(canaryFile);
        // As the escape suite's labd: an inherited descriptor ≥ 7 without close-on-exec.
        var fd = Fcntl.DuplicateInheritable(source, 7);
        using var planted = new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true);
        var r = await fx.RunAsync($"{fx.Probe} fds; for f in /proc/self/fd/*; do head -c 16 $f 2>/dev/null; done; echo", weakening, cancellationToken: cancellationToken);
        return (r, fd);
    }

    [Fact(Timeout = 120_000)]
    public async Task B11_only_fds_0_1_2_reach_the_target()
    {
        var (r, fd) = await RunWithPlantedFdAsync(W.None, TestContext.Current.CancellationToken);
        var fds = r.Log.Split('\n').Where(l => l.StartsWith("fd ", StringComparison.Ordinal)).ToList();
        Assert.True(fds.Count == 3 && fds[0].StartsWith("fd 0 ", StringComparison.Ordinal) && fds[2].StartsWith("fd 2 ", StringComparison.Ordinal), r.ToString());
        Assert.DoesNotContain("FD-CANARY", r.Log, StringComparison.Ordinal);
        Assert.DoesNotContain($"fd {fd.ToString(CultureInfo.InvariantCulture)} ", r.Log, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task B11_negative_control_without_the_close_on_exec_sweep_the_planted_fd_is_readable()
    {
        var (r, fd) = await RunWithPlantedFdAsync(W.InheritDescriptors, TestContext.Current.CancellationToken);
        Assert.True(r.Log.Contains($"fd {fd.ToString(CultureInfo.InvariantCulture)} -> {fx.Root}/fd-canary", StringComparison.Ordinal), r.ToString());
        Assert.Contains("FD-CANARY", r.Log, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task B19_kill_all_and_double_fork_leave_nothing_on_the_host()
    {
        var marker = "labd-orphan-" + Guid.NewGuid().ToString("N")[..8];
        using var bystander = new HostProcess("/bin/sleep", "60");
        var r = await fx.RunAsync($"setsid sh -c 'sleep 9999; : {marker}' & sleep 0.3; kill -9 -1; echo after-kill", cancellationToken: TestContext.Current.CancellationToken);
        Assert.NotEqual(RunOutcome.SetupFailed, r.Exit.Outcome);
        Assert.False(bystander.HasExited);
        Assert.Empty(HostProcesses.With(marker));
    }

    [Fact(Timeout = 120_000)]
    public async Task P1_killing_the_supervisor_kills_the_whole_sandbox_within_a_second()
    {
        var marker = "labd-p1-" + Guid.NewGuid().ToString("N")[..8];
        var run = await fx.StartAsync($"sh -c 'sleep 9999; : {marker}' & wait", cancellationToken: TestContext.Current.CancellationToken);
        await HostProcesses.WaitUntilAsync(() => HostProcesses.With(marker).Count > 0, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.NotEmpty(HostProcesses.With(marker));
        // Same settling as the negative control, so that SIGPIPE on the log pipe is not what kills.
        await Task.Delay(2000, TestContext.Current.CancellationToken);
        Signals.Send(run.SupervisorPid!.Value, Signals.SIGKILL);
        // The supervisor's threads exit one by one: the sandbox (parent-death signal of the forking
        // thread) can be gone a moment before the last thread closes the lock file. Both within 1 s.
        await HostProcesses.WaitUntilAsync(() => HostProcesses.With(marker).Count == 0 && !run.IsSupervisorAlive(), TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        Assert.Empty(HostProcesses.With(marker));
        Assert.False(run.IsSupervisorAlive());
        Assert.Equal(RunOutcome.Lost, (await run.WaitAsync(TestContext.Current.CancellationToken)).Outcome);
    }

    [Fact(Timeout = 120_000)]
    public async Task P1_negative_control_without_parent_death_signals_the_sandbox_survives_its_supervisor()
    {
        var marker = "labd-p1-" + Guid.NewGuid().ToString("N")[..8];
        var run = await fx.StartAsync($"sh -c 'sleep 9999; : {marker}' & wait", W.NoDieWithParent, cancellationToken: TestContext.Current.CancellationToken);
        // The chain's first stages (prlimit, setpriv) run as root with the command in their argv:
        // wait for the target itself, as the sandbox uid, before taking the uid to sweep.
        var uid = await HostProcesses.SandboxUidAsync(marker, TestContext.Current.CancellationToken);
        // Let rootlesskit finish its start-up chatter on the log pipe: a write into the pipe of a
        // dead supervisor is a SIGPIPE that would end the chain by itself and blind the control.
        await Task.Delay(2000, TestContext.Current.CancellationToken);
        Signals.Send(run.SupervisorPid!.Value, Signals.SIGKILL);
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        try
        {
            Assert.NotEmpty(HostProcesses.With(marker));
        }
        finally
        {
            SandboxChain.SweepUser(uid);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task Timeout_terminates_the_sandbox_and_is_recorded()
    {
        var spec = fx.Spec(timeout: TimeSpan.FromSeconds(1));
        var r = await fx.RunAsync("trap 'echo got-term; exit 3' TERM; sleep 30 & wait", spec: spec, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Exit.Outcome == RunOutcome.TimedOut, r.ToString());
        Assert.Contains("got-term", r.Log, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task Cancel_ends_the_run_and_is_recorded()
    {
        var run = await fx.StartAsync("sleep 60", cancellationToken: TestContext.Current.CancellationToken);
        await HostProcesses.WaitUntilAsync(() => File.Exists(run.Paths.Started), TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await run.CancelAsync(TestContext.Current.CancellationToken);
        var exit = await run.WaitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(RunOutcome.Cancelled, exit.Outcome);
    }

    [Fact(Timeout = 120_000)]
    public async Task P2_output_beyond_the_log_cap_is_dropped_with_one_marker()
    {
        var spec = fx.Spec(logBytes: 64 * 1024);
        var r = await fx.RunAsync("head -c 1000000 /dev/zero | tr '\\0' x; echo; echo end", spec: spec, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(0, r.Exit.ExitCode);
        Assert.True(r.Exit.LogTruncated);
        Assert.True(new FileInfo(r.Run.LogPath).Length < 70 * 1024);
        Assert.Equal(2, r.Log.Split("output truncated").Length);
    }

    [Fact(Timeout = 120_000)]
    public async Task Runs_are_readopted_from_disk_after_a_restart()
    {
        var r = await fx.RunAsync("exit 4", cancellationToken: TestContext.Current.CancellationToken);
        var fresh = new RunRegistry(new RunsOptions { StateDirectory = Path.Combine(fx.Root, "state"), PoolSize = 4 }, fx.Egress, fx.Leases());
        var runs = await fresh.InitializeAsync(TestContext.Current.CancellationToken);
        var again = Assert.Single(runs, x => x.Id == r.Run.Id);
        Assert.Equal(4, (await again.WaitAsync(TestContext.Current.CancellationToken)).ExitCode);
        var binding = again.TryGetEgressBinding();
        Assert.NotNull(binding);
        Assert.Equal(EgressHostAddress.Default, binding.ProxyAddress);
        Assert.Equal([80, 443], binding.PortMap.Keys.Order());
    }
}
