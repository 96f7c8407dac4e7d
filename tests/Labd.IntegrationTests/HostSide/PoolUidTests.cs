using System.Diagnostics;
using System.Globalization;
using Labd.IntegrationTests.Sandbox;
using Labd.Runs;
using W = Labd.Runs.SandboxWeakening;

namespace Labd.IntegrationTests.HostSide;

/// <summary>
/// Escape suite, host side (H14): a process that holds a pool uid (or gid) as effective or saved id
/// while its real id is another user's (a set-user-ID leftover some local user runs) can act as the
/// next sandbox given that uid. One such foreign process per pool user, made with
/// setresuid/setresgid; a run must not start while the one holding its uid lives. The negative
/// control (<see cref="W.RealUidOnly"/>, the old rule) hands the uid out beside it.
/// </summary>
[Collection(SandboxTestGroup.Name)]
public sealed class PoolUidTests(SandboxFixture fx)
{
    /// <summary>The other user's id: no account, only a number that is not the pool's.</summary>
    private const int Other = 64_998;

    [Theory(Timeout = 120_000)]
    [InlineData("euid")]
    [InlineData("suid")]
    [InlineData("egid")]
    public async Task H14_a_pool_uid_held_by_a_foreign_process_is_not_handed_out_beside_it(string held)
    {
        var ct = TestContext.Current.CancellationToken;
        var (alive, user) = await RunBesideHoldersAsync(held, W.None, ct);
        Assert.False(alive, $"a process holding {user.Name}'s {held} was alive while a sandbox ran as {user.Name}");
    }

    [Fact(Timeout = 120_000)]
    public async Task H14_negative_control_real_uid_matching_hands_the_uid_out_while_the_holder_lives()
    {
        var ct = TestContext.Current.CancellationToken;
        var (alive, user) = await RunBesideHoldersAsync("euid", W.RealUidOnly, ct);
        Assert.True(alive, $"the process holding {user.Name}'s euid was gone before the sandbox ran");
    }

    /// <summary>Starts one holder per pool user, then a run; returns whether the holder of the run's
    /// uid was alive once the run's target had started.</summary>
    private async Task<(bool Alive, SandboxUser User)> RunBesideHoldersAsync(string held, W weakening, CancellationToken ct)
    {
        var users = await fx.Registry.Users.EnsureAsync(ct);
        var holders = new Dictionary<int, Process>();
        try
        {
            foreach (var user in users)
            {
                holders[user.Uid] = await HoldAsync(user, held, ct);
            }
            var run = await fx.StartAsync("echo in; sleep 60", weakening, cancellationToken: ct);
            try
            {
                await HostProcesses.WaitUntilAsync(() => File.Exists(run.Paths.Started), TimeSpan.FromSeconds(30), ct);
                Assert.True(File.Exists(run.Paths.Started), await File.ReadAllTextAsync(run.LogPath, ct));
                var user = EscapeProcessTests.PlannedUser(run);
                return (ProcessTree.State(holders[user.Uid].Id) is char state && state != 'Z', user);
            }
            finally
            {
                await run.CancelAsync(CancellationToken.None);
                await run.WaitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
            }
        }
        finally
        {
            foreach (var holder in holders.Values)
            {
                holder.Kill();
                await holder.WaitForExitAsync(CancellationToken.None);
                holder.Dispose();
            }
        }
    }

    /// <summary>A python process with real ids <see cref="Other"/> and the pool user's uid as
    /// effective or saved uid, or its gid as effective gid; started once it says so.</summary>
    private static async Task<Process> HoldAsync(SandboxUser user, string held, CancellationToken ct)
    {
        var (uids, gids) = held switch
        {
            "euid" => ((Other, user.Uid, Other), (Other, Other, Other)),
            "suid" => ((Other, Other, user.Uid), (Other, Other, Other)),
            "egid" => ((Other, Other, Other), (Other, user.Gid, Other)),
            _ => throw new ArgumentOutOfRangeException(nameof(held)),
        };
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardInput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("import os, sys; a = [int(x) for x in sys.argv[1:]]; os.setgroups([]); os.setresgid(*a[3:]); os.setresuid(*a[:3]); print('held', flush=True); sys.stdin.read()");
        foreach (var id in new[] { uids.Item1, uids.Item2, uids.Item3, gids.Item1, gids.Item2, gids.Item3 })
        {
            start.ArgumentList.Add(id.ToString(CultureInfo.InvariantCulture));
        }
        var process = Process.Start(start)!;
        Assert.Equal("held", await process.StandardOutput.ReadLineAsync(ct));
        return process;
    }
}
