using System.Diagnostics;
using Labctl.Client;
using Labctl.Tests.Support;
using Labd.Protocol;

namespace Labctl.Tests;

/// <summary>
/// Inside a sandbox labctl waits out a labd restart, says so once, and never tells an agent to
/// run systemctl; on a host it fails at once and names systemctl only where systemd runs.
/// </summary>
public sealed class SandboxRetryTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 60000)]
    public async Task In_a_sandbox_labctl_waits_for_a_labd_that_starts_listening_late()
    {
        var ct = TestContext.Current.CancellationToken;
        var socket = _dir.Combine("api.sock");
        var error = new SignallingWriter("retrying");
        using var output = new StringWriter();
        var console = new CliConsole(output, error, false, name => name == "LAB_API_SOCKET" ? socket : null);

        var running = Cli.RunAsync(["status", "-o", "json"], console, ct);
        // labctl has found labd down (and said so) before labd comes up: the late start is real.
        await error.Seen.WaitAsync(ct);
        Assert.False(running.IsCompleted);
        await using var daemon = new FakeDaemon(socket).Answer(Routes.Status, CannedResponse.Json(Documents.Status));
        var exitCode = await running;

        Assert.Equal(0, exitCode);
        Assert.Equal(Documents.Status + "\n", output.ToString());
        Assert.Equal("labctl: labd is restarting; retrying for up to 60 s\n", error.ToString());
    }

    [Fact(Timeout = 60000)]
    public async Task In_a_sandbox_labctl_gives_up_after_LABCTL_RETRY_SECONDS_without_a_systemctl_hint()
    {
        var ct = TestContext.Current.CancellationToken;
        var socket = _dir.Combine("api.sock");
        var environment = new Dictionary<string, string> { ["LAB_API_SOCKET"] = socket, ["LABCTL_RETRY_SECONDS"] = "1" };

        var clock = Stopwatch.StartNew();
        var result = await LabctlBinary.RunAsync(environment, ct, "idea", "ls", "--lab", "cifar");
        clock.Stop();

        Assert.Equal(ExitCodes.DaemonUnreachable, result.ExitCode);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("labctl: labd is restarting; retrying for up to 1 s", lines[0]);
        Assert.Equal($"labctl: no socket at {socket}; {new LabdSite(true, true, false).DaemonHint}", lines[1]);
        Assert.Equal(2, lines.Length);
        Assert.DoesNotContain("systemctl", result.Error, StringComparison.Ordinal);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1), $"gave up after {clock.Elapsed}");
    }

    [Fact(Timeout = 30000)]
    public async Task On_the_host_labctl_fails_at_once_and_says_nothing_of_retrying()
    {
        var ct = TestContext.Current.CancellationToken;
        var socket = _dir.Combine("labd.sock");

        // Negative control of the above: the same missing socket, named by --socket outside a sandbox.
        var result = await InProcessLabctl.RunAsync(ct, "status", "--socket", socket);

        Assert.Equal(ExitCodes.DaemonUnreachable, result.ExitCode);
        Assert.DoesNotContain("retrying", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact(Timeout = 30000)]
    public async Task In_a_sandbox_a_refused_connection_to_another_socket_is_not_retried()
    {
        var ct = TestContext.Current.CancellationToken;
        var environment = new Dictionary<string, string> { ["LAB_API_SOCKET"] = _dir.Combine("api.sock") };

        var result = await InProcessLabctl.RunAsync(environment, false, ct, "status", "--socket", _dir.Combine("other.sock"));

        Assert.Equal(ExitCodes.DaemonUnreachable, result.ExitCode);
        Assert.DoesNotContain("retrying", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("systemctl", result.Error, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task In_a_sandbox_a_socket_it_may_not_open_is_answered_with_its_own_socket_not_a_group_to_join()
    {
        Assert.SkipUnless(Environment.UserName == "root", "needs root: runs labctl as nobody with setpriv(1)");
        var ct = TestContext.Current.CancellationToken;
        File.SetUnixFileMode(_dir.Path, (UnixFileMode)0b111_001_001);
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.Status, CannedResponse.Json(Documents.Status));
        File.SetUnixFileMode(daemon.SocketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var sandbox = await LabctlBinary.RunAsNobodyAsync(new Dictionary<string, string> { ["LAB_API_SOCKET"] = _dir.Combine("api.sock"), ["LABD_SOCKET"] = daemon.SocketPath }, ct, "status");
        var host = await LabctlBinary.RunAsNobodyAsync(new Dictionary<string, string> { ["LABD_SOCKET"] = daemon.SocketPath }, ct, "status");

        Assert.Equal((ExitCodes.PermissionDenied, $"labctl: permission denied on {daemon.SocketPath}; {CliContext.SandboxGroupHint}\n"), (sandbox.ExitCode, sandbox.Error));
        // Negative control: the same refusal on a host names the group.
        Assert.Equal((ExitCodes.PermissionDenied, $"labctl: permission denied on {daemon.SocketPath}; {CliContext.GroupHint}\n"), (host.ExitCode, host.Error));
    }

    [Theory]
    [InlineData(false, false, false, "labd --foreground")]
    [InlineData(false, true, true, "systemctl status labd")]
    [InlineData(true, true, false, "outside this sandbox")]
    [InlineData(true, false, false, "outside this sandbox")]
    public void The_hint_names_systemctl_only_on_a_host_whose_init_is_systemd(bool sandbox, bool systemd, bool namesSystemctl, string says)
    {
        var root = _dir.Combine(sandbox + "-" + systemd);
        Directory.CreateDirectory(systemd ? Path.Join(root, "run/systemd/system") : root);
        var site = LabdSite.Detect(sandbox ? LabdSite.SandboxSocketPath : "/run/labd/labd.sock", _ => null, root);

        Assert.Equal((sandbox, systemd), (site.InSandbox, site.Systemd));
        foreach (var hint in (string[])[site.DaemonHint, site.StartFix, site.RestartFix, site.LogHint])
        {
            Assert.Equal(namesSystemctl && hint != site.LogHint, hint.Contains("systemctl", StringComparison.Ordinal));
        }
        Assert.Contains(says, site.DaemonHint, StringComparison.Ordinal);
    }

    /// <summary>A StringWriter that completes <see cref="Seen"/> once what it was given contains a marker.</summary>
    private sealed class SignallingWriter(string marker) : StringWriter
    {
        private readonly TaskCompletionSource _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Seen => _seen.Task;

        public override void Write(char value)
        {
            base.Write(value);
            Check();
        }

        public override void Write(string? value)
        {
            base.Write(value);
            Check();
        }

        public override Task WriteLineAsync(string? value)
        {
            base.WriteLine(value);
            Check();
            return Task.CompletedTask;
        }

        private void Check()
        {
            if (ToString().Contains(marker, StringComparison.Ordinal))
            {
                _seen.TrySetResult();
            }
        }
    }
}
