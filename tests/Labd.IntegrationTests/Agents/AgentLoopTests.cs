using Labd.Protocol;

namespace Labd.IntegrationTests.Agents;

/// <summary>
/// The agents issue's first bar: a scripted custom agent, using the real labctl inside its own
/// sandbox, loops every 20 s for three turns; each turn orients, creates an idea, runs an
/// experiment and waits for it, notes and concludes. Turns start on the interval and never
/// overlap; the leaderboard holds the three results; the agent cannot read another agent's
/// worktree, the policy directory or the agents API (negative control: a policy that binds the
/// other worktree lets the same read succeed).
/// </summary>
public sealed class AgentLoopTests
{
    private const string Lab = "lab-a";
    private const string Weak = "lab-w";
    private const int Interval = 20;

    [Fact(Timeout = 300_000)]
    public async Task A_scripted_agent_loops_three_turns_on_the_interval_and_cannot_read_another_agents_worktree()
    {
        var ct = TestContext.Current.CancellationToken;
        // Agent 1 is the other agent (lab-a); agent 2 the looper; agent 3 the negative control in
        // lab-w, whose policy deliberately binds agent 1's worktree read-only.
        await using var bed = await AgentsBed.StartAsync(ct, state => new Dictionary<string, string>
        {
            ["weak"] = AgentsBed.PolicyYaml($"{Path.Combine(state, "labs", Lab, "agents", "1", "worktree")}: ro"),
        });
        await bed.CreateLabAsync(Lab, new Dictionary<string, string> { ["README"] = "other agent's file\n", ["PROMPT.md"] = "Find the best score.\n" }, ct);
        await bed.CreateLabAsync(Weak, new Dictionary<string, string> { ["README"] = "weak lab\n" }, ct, policy: "weak");

        var other = await bed.StartScriptAsync(Lab, "echo other agent here", ct);
        Assert.Equal(1, other.Id);
        Assert.Equal(AgentRecord.Finished, (await bed.WaitEndedAsync(other.Id, ct)).Status);
        var otherFile = Path.Combine(bed.WorktreeOf(Lab, other.Id), "README");
        Assert.True(File.Exists(otherFile), "the other agent's worktree holds the lab's files");

        var looper = await bed.StartScriptAsync(Lab, TurnScript(otherFile, bed.PoliciesDirectory), ct, intervalSeconds: Interval, maxTurns: 3);
        Assert.Equal(2, looper.Id);
        Assert.Equal("custom", looper.Kind);
        Assert.Equal("default", looper.Role);
        var ended = await bed.WaitEndedAsync(looper.Id, ct);
        var logs = await bed.LogsAsync(looper.Id, ct);
        var text = string.Join("\n", logs.Select(l => $"[{l.Turn}] {l.Line}"));
        Assert.True(ended.Status == AgentRecord.Finished, $"{ended.Status}: {ended.Reason}\n{text}\n{bed.Labd.Output}");
        Assert.Equal("max turns (3) reached", ended.Reason);
        Assert.Equal(3, ended.Turns);

        // Timing: each turn starts at the previous start + 20 s (or at once when it overran), never before it ended.
        var turns = ended.RecentTurns;
        Assert.Equal([1, 2, 3], turns.Select(t => t.Number));
        Assert.True(turns.All(t => t.Status == "succeeded"), $"turns: {string.Join(", ", turns.Select(t => t.Status))}\n{text}");
        for (var k = 1; k < turns.Count; k++)
        {
            var previous = turns[k - 1];
            var start = turns[k].StartedAt;
            Assert.True(start >= previous.EndedAt!.Value, $"turn {k + 1} started at {start:O}, before turn {k} ended at {previous.EndedAt:O}");
            var due = previous.StartedAt.AddSeconds(Interval);
            var expected = due > previous.EndedAt ? due : previous.EndedAt.Value;
            Assert.True(start >= due.AddMilliseconds(-50) || start >= previous.EndedAt, $"turn {k + 1} started at {start:O}, before its interval boundary {due:O}");
            Assert.True(start <= expected.AddSeconds(3), $"turn {k + 1} started at {start:O}, later than {expected:O} + 3 s");
        }

        // Every turn did its work through labctl.
        for (var turn = 1; turn <= 3; turn++)
        {
            var lines = logs.Where(l => l.Turn == turn).Select(l => l.Line).ToList();
            Assert.Contains($"turn {turn} done", lines);
            Assert.Contains("probe:other-denied", lines);
            Assert.Contains("probe:policy-denied", lines);
            Assert.Contains("probe:agents-api:403", lines);
            Assert.DoesNotContain("other agent's file", lines);
        }
        var board = await bed.GetAsync(Routes.LabLeaderboard(Lab), ProtocolJsonContext.Default.Leaderboard, ct);
        Assert.Equal([3.0, 2.0, 1.0], board.Entries.Select(e => e.Value));
        var experiments = await bed.GetAsync(Routes.LabExperiments(Lab), ProtocolJsonContext.Default.IReadOnlyListExperimentRecord, ct);
        Assert.Equal(3, experiments.Count);
        Assert.All(experiments, e => Assert.Equal("agent:2", e.Submitter));

        // Negative control: the same read, under a policy that binds agent 1's worktree, succeeds.
        var control = await bed.StartScriptAsync(Weak, $"cat '{otherFile}' && echo probe:other-readable", ct);
        var controlEnded = await bed.WaitEndedAsync(control.Id, ct);
        var controlLines = (await bed.LogsAsync(control.Id, ct)).Select(l => l.Line).ToList();
        Assert.True(controlLines.Contains("probe:other-readable"), $"{controlEnded.Status} {controlEnded.Reason}\n{string.Join("\n", controlLines)}");
        Assert.Contains("other agent's file", controlLines);
    }

    /// <summary>One turn of the scripted agent, in sh: the guide's loop through the real labctl, then the probes.</summary>
    private static string TurnScript(string otherFile, string policies) => $$$"""
        L='{{{AgentsBed.LabctlPath}}}'
        echo "turn $LAB_TURN of agent $LAB_AGENT_ID ($LAB_AGENT_ROLE) in $LAB_LAB"
        test -s "$LAB_PROMPT_FILE" || { echo "no prompt file"; exit 1; }
        "$L" orient > /dev/null || { echo "orient failed"; exit 1; }
        N=$("$L" idea new "idea of turn $LAB_TURN" -o json | tr -d ' \n' | sed -n 's/.*"number":\([0-9]*\).*/\1/p')
        test -n "$N" || { echo "idea new failed"; exit 1; }
        printf 'echo "{\\"metrics\\": {\\"score\\": %s}}"\n' "$LAB_TURN" > train.sh
        "$L" exp run --idea "$N" --wait -- sh train.sh || { echo "exp run failed"; exit 1; }
        "$L" note add "turn $LAB_TURN scored $LAB_TURN" --idea "$N" > /dev/null || { echo "note failed"; exit 1; }
        "$L" idea conclude "$N" --conclusion "score $LAB_TURN" > /dev/null || { echo "conclude failed"; exit 1; }
        if cat '{{{otherFile}}}' 2>/dev/null; then echo probe:other-readable; else echo probe:other-denied; fi
        if ls '{{{policies}}}' > /dev/null 2>&1; then echo probe:policy-readable; else echo probe:policy-denied; fi
        echo "probe:agents-api:$(curl -s -o /dev/null -w '%{http_code}' --unix-socket /run/lab/api.sock http://labd/v1/agents)"
        echo "turn $LAB_TURN done"
        """;
}
