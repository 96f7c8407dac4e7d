using System.Globalization;
using Labd.IntegrationTests.Sandbox;
using Labd.IntegrationTests.TestBed;
using W = Labd.Runs.SandboxWeakening;

namespace Labd.IntegrationTests.HostSide;

/// <summary>
/// Escape suite, host side (H9): a run's argv (an agent's prompt, a target's arguments) is on no
/// command line another local user can read in <c>/proc/*/cmdline</c>. The target execs
/// <c>sleep</c>, so its own argv no longer holds the marker: only the launch chain's could.
/// </summary>
[Collection(SandboxTestGroup.Name)]
public sealed class ArgvLeakTests(SandboxFixture fx)
{
    [Fact(Timeout = 120_000)]
    public async Task H9_another_user_reading_every_command_line_does_not_see_a_runs_argv()
    {
        var (marker, sleep, seen) = await CommandLinesSeenByAnotherUserAsync(W.None, TestContext.Current.CancellationToken);
        Assert.Contains(sleep, seen, StringComparison.Ordinal);
        Assert.DoesNotContain(marker, seen, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task H9_negative_control_with_the_argv_on_the_chains_command_lines_another_user_sees_it()
    {
        var (marker, sleep, seen) = await CommandLinesSeenByAnotherUserAsync(W.ArgvOnCommandLines, TestContext.Current.CancellationToken);
        Assert.Contains(sleep, seen, StringComparison.Ordinal);
        Assert.Contains(marker, seen, StringComparison.Ordinal);
    }

    private async Task<(string Marker, string Sleep, string Seen)> CommandLinesSeenByAnotherUserAsync(W weakening, CancellationToken ct)
    {
        SandboxFixture.Require();
        var marker = "labd-h9-" + Guid.NewGuid().ToString("N")[..12];
        // A duration no other run on the host uses, to find this target once it has exec'd.
        var sleep = "/bin/sleep " + Random.Shared.Next(600_000, 700_000).ToString(CultureInfo.InvariantCulture);
        await using var bob = await NewUser.AddAsync(ct, "users");
        var run = await fx.StartAsync($"exec {sleep} # {marker}", weakening, cancellationToken: ct);
        try
        {
            await HostProcesses.WaitUntilAsync(() => HostProcesses.With(sleep.Replace(' ', '\0')).Count > 0, TimeSpan.FromSeconds(30), ct);
            Assert.NotEmpty(HostProcesses.With(sleep.Replace(' ', '\0')));
            var (code, seen, stderr) = await bob.ShAsync("for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f 2>/dev/null; echo; done", new Dictionary<string, string>(), ct);
            Assert.True(code == 0, stderr);
            return (marker, sleep, seen);
        }
        finally
        {
            await run.CancelAsync(CancellationToken.None);
            await run.WaitAsync(CancellationToken.None);
        }
    }
}
