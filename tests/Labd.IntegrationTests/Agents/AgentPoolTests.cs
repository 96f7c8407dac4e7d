using Labd.Protocol;

namespace Labd.IntegrationTests.Agents;

/// <summary>
/// A turn that finds every sandbox user leased (by experiments or other agents) is not a failure
/// of the agent: the turn is taken back and tried again once one is free.
/// </summary>
public sealed class AgentPoolTests
{
    private const string Lab = "lab-p";

    [Fact(Timeout = 150_000)]
    public async Task A_turn_that_finds_no_free_sandbox_user_is_deferred_and_runs_once_one_is_free()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await AgentsBed.StartAsync(ct, null, _ => """
            sandbox:
              poolSize: 1
            """);
        await bed.CreateLabAsync(Lab, new Dictionary<string, string> { ["README"] = "x\n" }, ct);

        var holder = await bed.StartAgentAsync(new AgentStartRequest(Lab, null, ["/bin/sh", "-c", "echo holding; sleep 8"], null, null, null, null, null), ct);
        // The holder's sandbox must be running, not merely its turn begun: a turn that finds the
        // uid still leased (another labd's run on this host finishing its sweep) is itself deferred.
        while (!(await bed.LogsAsync(holder.Id, ct)).Any(l => l.Line == "holding"))
        {
            await bed.WaitUntilAsync(holder.Id, a => a.Status == AgentRecord.Running, ct);
            await Task.Delay(100, ct);
        }
        var waiter = await bed.StartAgentAsync(new AgentStartRequest(Lab, null, ["/bin/sh", "-c", "echo waited"], null, null, null, null, null), ct);

        var deferred = await bed.WaitUntilAsync(waiter.Id, _ => bed.EventKinds(waiter.Id).Contains("agent.turn.deferred"), ct);
        Assert.Equal(AgentRecord.Running, deferred.Status);
        Assert.Equal(0, deferred.Turns);

        var ended = await bed.WaitEndedAsync(waiter.Id, ct);
        Assert.True(ended.Status == AgentRecord.Finished, $"{ended.Status}: {ended.Reason}\n{bed.Labd.Output}");
        var turn = Assert.Single(ended.RecentTurns);
        Assert.Equal((1, "succeeded"), (turn.Number, turn.Status));
        Assert.Contains(await bed.LogsAsync(waiter.Id, ct), l => l.Line == "waited");
        Assert.Equal(AgentRecord.Finished, (await bed.WaitEndedAsync(holder.Id, ct)).Status);
    }
}
