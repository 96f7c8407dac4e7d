using System.Diagnostics;
using System.Globalization;
using Labd.IntegrationTests.Daemon;
using Labd.IntegrationTests.Sandbox;
using Labd.Runs;
using W = Labd.Runs.SandboxWeakening;

namespace Labd.IntegrationTests.HostSide;

/// <summary>
/// Escape suite, host side (H13): rootlesskit's state directory (<c>runs/&lt;id&gt;/rk</c>) is the
/// sandbox uid's, so its <c>child_pid</c> is the sandbox's to forge. A process of the sandbox uid
/// keeps rewriting it with the pid of a root process in a network namespace this test made (the
/// stand-in for a host process), which has a stopped child as rootlesskit's child has the stopped
/// gate. The supervisor must install the run's rules in the sandbox's own namespace and leave that
/// process alone; the negative control (<see cref="W.TrustChildPidFile"/>, the old trust) installs
/// them in the victim's namespace and continues the victim's child.
/// </summary>
[Collection(SandboxTestGroup.Name)]
public sealed class SupervisorTrustTests(SandboxFixture fx)
{
    /// <summary>What the run's rules install: a default-drop OUTPUT chain.</summary>
    private const string RuleMark = ":OUTPUT DROP";

    [Fact(Timeout = 120_000)]
    public async Task H13_a_forged_child_pid_does_not_redirect_roots_rules_and_they_land_in_the_sandbox()
    {
        var ct = TestContext.Current.CancellationToken;
        var marker = "h9-" + Guid.NewGuid().ToString("N")[..8];
        await using var victim = await Victim.StartAsync(ct);
        var run = await fx.StartAsync($"echo in; sleep 60; : {marker}", cancellationToken: ct);
        using var forger = Forger.Start(EscapeProcessTests.PlannedUser(run), run.Paths.RootlesskitState, victim.Pid);
        try
        {
            await HostProcesses.WaitUntilAsync(() => File.Exists(run.Paths.Started) && forger.Landed, TimeSpan.FromSeconds(30), ct);
            Assert.True(forger.Landed, $"child_pid never showed the forged pid {victim.Pid}");
            Assert.True(File.Exists(run.Paths.Started), await File.ReadAllTextAsync(run.LogPath, ct));

            var sandboxNet = HostProcesses.With(marker).FirstOrDefault(p => Net(p) is { } n && n != Net(Environment.ProcessId));
            Assert.True(sandboxNet > 0, "no process of the run in a network namespace of its own");
            Assert.Contains(RuleMark, await RulesAsync(sandboxNet, ct), StringComparison.Ordinal);
            Assert.DoesNotContain(RuleMark, await RulesAsync(victim.Pid, ct), StringComparison.Ordinal);
            Assert.Equal('T', ProcessTree.State(victim.ChildPid));
        }
        finally
        {
            await run.CancelAsync(CancellationToken.None);
            await run.WaitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task H13_negative_control_trusting_child_pid_lets_the_forgery_aim_roots_rules_at_the_victim()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var victim = await Victim.StartAsync(ct);
        // Without the mount check the control need not wait out the mount gate the victim never reaches.
        var run = await fx.StartAsync("echo in; sleep 60", W.TrustChildPidFile | W.NoMountCheck, cancellationToken: ct);
        using var forger = Forger.Start(EscapeProcessTests.PlannedUser(run), run.Paths.RootlesskitState, victim.Pid);
        try
        {
            var line = await victim.Output.ReadLineAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(30), ct);
            Assert.Equal("continued", line);
            Assert.Contains(RuleMark, await RulesAsync(victim.Pid, ct), StringComparison.Ordinal);
        }
        finally
        {
            await run.CancelAsync(CancellationToken.None);
            await run.WaitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        }
    }

    private static string? Net(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/ns/net").LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static Task<string> RulesAsync(int pid, CancellationToken ct) =>
        Command.CheckedAsync("nsenter", [$"--net=/proc/{pid}/ns/net", "--", "iptables-save"], ct);

    /// <summary>A root shell in a fresh network namespace whose child has stopped itself and prints
    /// <c>continued</c> when it is continued; the shell then stays (as sleep) to hold the namespace.</summary>
    private sealed class Victim : IAsyncDisposable
    {
        private readonly Process _process;

        private Victim(Process process, int child)
        {
            _process = process;
            ChildPid = child;
        }

        public int Pid => _process.Id;

        public int ChildPid { get; }

        public StreamReader Output => _process.StandardOutput;

        public static async Task<Victim> StartAsync(CancellationToken ct)
        {
            var start = new ProcessStartInfo("/usr/bin/unshare") { RedirectStandardOutput = true };
            foreach (var a in new[] { "--net", "--", "/bin/sh", "-c", "sh -c 'kill -STOP $$; echo continued' & echo $!; wait; exec sleep 600" })
            {
                start.ArgumentList.Add(a);
            }
            var process = Process.Start(start)!;
            var child = int.Parse((await process.StandardOutput.ReadLineAsync(ct))!, CultureInfo.InvariantCulture);
            await HostProcesses.WaitUntilAsync(() => ProcessTree.State(child) == 'T', TimeSpan.FromSeconds(10), ct);
            Assert.Equal('T', ProcessTree.State(child));
            return new Victim(process, child);
        }

        public async ValueTask DisposeAsync()
        {
            _process.Kill(entireProcessTree: true);
            Interop.Signals.Send(ChildPid, Interop.Signals.SIGKILL);
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }

    /// <summary>The sandbox uid (the run's own, not a foreign process) rewriting <c>rk/child_pid</c>
    /// with the victim's pid whenever it says anything else (rootlesskit writes it once).</summary>
    private sealed class Forger : IDisposable
    {
        private const string Script = "while :; do v=; { read -r v < \"$1/child_pid\"; } 2>/dev/null; " +
            "if [ -n \"$v\" ] && [ \"$v\" != \"$2\" ]; then echo \"$2\" > \"$1/.forged\" && mv -f \"$1/.forged\" \"$1/child_pid\"; fi; done";

        private readonly Process _process;
        private readonly string _file;
        private readonly string _pid;

        private Forger(Process process, string rk, int pid)
        {
            _process = process;
            _file = Path.Combine(rk, "child_pid");
            _pid = pid.ToString(CultureInfo.InvariantCulture);
        }

        public bool Landed
        {
            get
            {
                try
                {
                    return File.ReadAllText(_file).Trim() == _pid;
                }
                catch (IOException)
                {
                    return false;
                }
            }
        }

        public static Forger Start(SandboxUser user, string rk, int pid)
        {
            var start = new ProcessStartInfo("/usr/bin/setpriv");
            foreach (var a in new[] { "--reuid", user.Uid.ToString(CultureInfo.InvariantCulture), "--regid", user.Gid.ToString(CultureInfo.InvariantCulture), "--clear-groups", "--", "/bin/sh", "-c", Script, "forger", rk, pid.ToString(CultureInfo.InvariantCulture) })
            {
                start.ArgumentList.Add(a);
            }
            return new Forger(Process.Start(start)!, rk, pid);
        }

        public void Dispose()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            _process.Dispose();
        }
    }
}
