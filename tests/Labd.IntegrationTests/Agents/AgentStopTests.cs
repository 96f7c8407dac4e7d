using System.Text.Json;
using Labd.IntegrationTests.Sandbox;
using Labd.Protocol;

namespace Labd.IntegrationTests.Agents;

/// <summary>
/// The agents issue's third bar: <c>agent stop</c> during a turn ends it gracefully and leaves no
/// process of its sandbox user on the host; after <c>kill -9</c> of labd during a loop, a new labd
/// re-adopts the running turn by its run id and the loop goes on (turns continue, never overlap).
/// </summary>
public sealed class AgentStopTests
{
    private const string Lab = "lab-s";

    [Fact(Timeout = 180_000)]
    public async Task Stop_during_a_turn_leaves_no_process_of_its_sandbox_user_and_says_stopped()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await AgentsBed.StartAsync(ct);
        await bed.CreateLabAsync(Lab, new Dictionary<string, string> { ["README"] = "x\n" }, ct);
        // A turn that ignores SIGTERM (its sleeps die, it starts new ones), so only the SIGKILL of the whole sandbox ends it.
        var agent = await bed.StartScriptAsync(Lab, "trap '' TERM; echo turn-running; while :; do sleep 1; done", ct, intervalSeconds: 60);
        var running = await bed.WaitUntilAsync(agent.Id, a => a.CurrentTurn?.RunId is { } run && File.Exists(Path.Combine(bed.RunDirectory(run), "started")), ct);
        var uid = SandboxUid(bed, running.CurrentTurn!.RunId!);
        await HostProcesses.WaitUntilAsync(() => HostProcesses.CountOwnedBy(uid) >= 3, TimeSpan.FromSeconds(30), ct);
        Assert.True(HostProcesses.CountOwnedBy(uid) >= 3, $"the turn's processes run as uid {uid}");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var stopping = await bed.StopAsync(agent.Id, ct, graceSeconds: 2);
        Assert.Contains(stopping.Status, new[] { AgentRecord.Stopping, AgentRecord.Stopped });
        var ended = await bed.WaitEndedAsync(agent.Id, ct);
        // The stop's grace (2 s, not the default 10 s), then SIGKILL of what ignored SIGTERM.
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(9));

        Assert.Equal(AgentRecord.Stopped, ended.Status);
        Assert.Null(ended.NextTurnAt);
        Assert.NotNull(ended.EndedAt);
        var turn = Assert.Single(ended.RecentTurns);
        Assert.Equal("stopped", turn.Status);
        await HostProcesses.WaitUntilAsync(() => HostProcesses.CountOwnedBy(uid) == 0, TimeSpan.FromSeconds(10), ct);
        Assert.Equal(0, HostProcesses.CountOwnedBy(uid));
        // Stopping again is a conflict, not a new stop.
        using var client = bed.Labd.Client();
        using var again = await client.PostAsync(Routes.AgentStop(agent.Id), null, ct);
        Assert.Equal(409, (int)again.StatusCode);
    }

    [Fact(Timeout = 240_000)]
    public async Task After_kill_9_of_labd_during_a_loop_the_running_turn_is_readopted_and_the_loop_goes_on()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await AgentsBed.StartAsync(ct);
        await bed.CreateLabAsync(Lab, new Dictionary<string, string> { ["README"] = "x\n" }, ct);
        var agent = await bed.StartScriptAsync(Lab, "echo begin $LAB_TURN; sleep 5; echo end $LAB_TURN", ct, intervalSeconds: 10, maxTurns: 3);
        var second = await bed.WaitUntilAsync(agent.Id, a => a.CurrentTurn is { Number: 2, RunId: { } run } && File.Exists(Path.Combine(bed.RunDirectory(run), "started")), ct);
        var runOfSecond = second.CurrentTurn!.RunId;

        await bed.CrashAndRestartAsync(ct);

        var ended = await bed.WaitEndedAsync(agent.Id, ct);
        var logs = await bed.LogsAsync(agent.Id, ct);
        Assert.True(ended.Status == AgentRecord.Finished, $"{ended.Status}: {ended.Reason}\n{string.Join("\n", logs.Select(l => $"[{l.Turn}] {l.Line}"))}\n{bed.Labd.Output}");
        Assert.Equal("max turns (3) reached", ended.Reason);
        var turns = ended.RecentTurns;
        Assert.Equal([1, 2, 3], turns.Select(t => t.Number));
        Assert.All(turns, t => Assert.Equal("succeeded", t.Status));
        Assert.Equal(runOfSecond, turns[1].RunId);
        for (var k = 1; k < turns.Count; k++)
        {
            Assert.True(turns[k].StartedAt >= turns[k - 1].EndedAt, $"turn {k + 1} overlapped turn {k}");
            Assert.True(turns[k].StartedAt >= turns[k - 1].StartedAt.AddSeconds(10).AddMilliseconds(-50), $"turn {k + 1} started before its interval boundary");
        }
        Assert.Contains(logs, l => l.Turn == 2 && l.Line == "end 2");
        Assert.Contains(logs, l => l.Turn == 3 && l.Line == "end 3");
        // One start and one end event per turn, whatever the crash.
        var events = bed.EventKinds(agent.Id);
        Assert.Equal(3, events.Count(k => k == "agent.turn.start"));
        Assert.Equal(3, events.Count(k => k == "agent.turn.end"));
        Assert.Equal(1, events.Count(k => k == "agent.end"));
    }

    private static int SandboxUid(AgentsBed bed, string runId)
    {
        using var plan = JsonDocument.Parse(File.ReadAllText(Path.Combine(bed.RunDirectory(runId), "launch.json")));
        return plan.RootElement.GetProperty("user").GetProperty("uid").GetInt32();
    }
}
