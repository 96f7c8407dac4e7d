using Labd.Protocol;

namespace Labd.IntegrationTests.Agents;

/// <summary>
/// The caps end a loop with a clear state: a USD budget from the usage the agent CLI reported
/// (a fake claude-stream-json kind), and <c>until</c>, which stops a turn still running at that
/// time. Also the logs route: following across turns, one turn, the tail.
/// </summary>
public sealed class AgentBudgetTests
{
    private const string Lab = "lab-b";

    [Fact(Timeout = 120_000)]
    public async Task A_usd_budget_ends_the_loop_once_the_reported_cost_reaches_it()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await AgentsBed.StartAsync(ct, null, _ => """
            agents:
              priced:
                command: [/bin/sh, -c, "echo '{\"type\":\"result\",\"total_cost_usd\":0.6,\"usage\":{\"input_tokens\":100,\"output_tokens\":7}}'"]
                output: claude-stream-json
            """);
        await bed.CreateLabAsync(Lab, new Dictionary<string, string> { ["README"] = "x\n" }, ct);

        var agent = await bed.StartAgentAsync(new AgentStartRequest(Lab, "priced", null, null, 10, 10, 1.0, null), ct);
        var ended = await bed.WaitEndedAsync(agent.Id, ct);

        Assert.True(ended.Status == AgentRecord.Finished, $"{ended.Status}: {ended.Reason}\n{bed.Labd.Output}");
        Assert.StartsWith("budget $1 spent", ended.Reason, StringComparison.Ordinal);
        Assert.Equal(2, ended.Turns);
        Assert.Equal(1.2, ended.CostUsd, 6);
        Assert.Equal(200, ended.InputTokens);
        Assert.Equal(14, ended.OutputTokens);
        Assert.All(ended.RecentTurns, t => Assert.Equal(0.6, t.CostUsd!.Value, 6));
    }

    [Fact(Timeout = 120_000)]
    public async Task Until_stops_the_running_turn_and_finishes_the_loop()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await AgentsBed.StartAsync(ct);
        await bed.CreateLabAsync(Lab, new Dictionary<string, string> { ["README"] = "x\n" }, ct);
        var until = DateTimeOffset.UtcNow.AddSeconds(8);

        var agent = await bed.StartAgentAsync(new AgentStartRequest(Lab, null, ["/bin/sh", "-c", "echo working; sleep 120"], null, 10, null, null, until), ct);
        var ended = await bed.WaitEndedAsync(agent.Id, ct);

        Assert.True(ended.Status == AgentRecord.Finished, $"{ended.Status}: {ended.Reason}\n{bed.Labd.Output}");
        Assert.Equal("until reached", ended.Reason);
        var turn = Assert.Single(ended.RecentTurns);
        Assert.Equal("stopped", turn.Status);
        Assert.InRange(turn.EndedAt!.Value, until, until.AddSeconds(15));
    }

    [Fact(Timeout = 120_000)]
    public async Task Logs_follow_across_turns_until_the_agent_ends_and_select_a_turn_or_the_tail()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await AgentsBed.StartAsync(ct);
        await bed.CreateLabAsync(Lab, new Dictionary<string, string> { ["README"] = "x\n" }, ct);

        var agent = await bed.StartScriptAsync(Lab, "echo a$LAB_TURN; sleep 1; printf 'b%s' $LAB_TURN", ct, intervalSeconds: 10, maxTurns: 2);
        var followed = await bed.LogsAsync(agent.Id, ct, follow: true);
        var ended = await bed.ShowAsync(agent.Id, ct);

        Assert.Equal(AgentRecord.Finished, ended.Status);
        Assert.True(Script(followed).SequenceEqual(["1:a1", "1:b1", "2:a2", "2:b2"]), string.Join("\n", followed.Select(l => $"{l.Turn}:{l.Line}")));
        Assert.Equal(["1:a1", "1:b1"], Script(await bed.LogsAsync(agent.Id, ct, turn: 1)));
        Assert.Equal(["2:b2"], Script(await bed.LogsAsync(agent.Id, ct, tail: 1)));
        Assert.Equal(["1:b1"], Script(await bed.LogsAsync(agent.Id, ct, turn: 1, tail: 1)));
    }

    /// <summary>The script's own lines (rootlesskit's start-up warnings share the output).</summary>
    private static List<string> Script(IReadOnlyList<AgentLogLine> lines) =>
        [.. lines.Where(l => l.Line.Length == 2 && l.Line[0] is 'a' or 'b').Select(l => $"{l.Turn}:{l.Line}")];
}
