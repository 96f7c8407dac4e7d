using System.Globalization;
using System.Text.Json;
using Labd.Protocol;

namespace Labd.IntegrationTests.Agents;

/// <summary>
/// Issue 12's agent failures, as the lab's owner meets them through labctl: an edited PROMPT.md
/// (agents read main's tip), failed turns and their reasons, a turn's egress decisions, and a labd
/// restart in the middle of a turn that calls labctl.
/// </summary>
public sealed class AgentFirstContactTests
{
    private const string Lab = "first";

    [Fact(Timeout = 240_000)]
    public async Task An_agent_loop_whose_PROMPT_md_was_edited_is_refused_then_works_after_the_commit()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await AgentsBed.StartAsync(ct);
        var root = await bed.CreateLabAsync(Lab, new Dictionary<string, string> { ["PROMPT.md"] = "Old goal: nothing yet.\n" }, ct);
        await bed.WriteLabFileAsync(root, "PROMPT.md", "New goal: maximise the score.\n", ct);
        await bed.WriteLabFileAsync(root, "agent.sh", "cat \"$LAB_PROMPT_FILE\"\n", ct);

        // The help's own example: refused, naming both files and the git command, and nothing started.
        var refused = await bed.LabctlAsync(ct, "agent", "loop", "-d", "1h", "--max-turns", "1", "--lab", Lab, "--agent-command", "sh agent.sh");
        var none = await bed.GetAsync(Routes.AgentsOf(Lab), ProtocolJsonContext.Default.IReadOnlyListAgentRecord, ct);

        Assert.True(refused.ExitCode == 6, $"exit {refused.ExitCode}\n{refused.Stdout}\n{refused.Stderr}");
        var line = Assert.Single(refused.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("PROMPT.md differs between main's tip and the working tree", line, StringComparison.Ordinal);
        Assert.Contains("git add PROMPT.md && git commit", line, StringComparison.Ordinal);
        Assert.Contains("agent.sh is not committed on main", line, StringComparison.Ordinal);
        Assert.Contains("--allow-dirty", line, StringComparison.Ordinal);
        Assert.Empty(none);

        // --allow-dirty starts with a warning, and the agent gets main's prompt: the old goal.
        var dirty = await bed.LabctlAsync(ct, "agent", "loop", "-d", "1h", "--max-turns", "1", "--allow-dirty", "--lab", Lab, "--agent-command", "cat \"$LAB_PROMPT_FILE\"");
        Assert.True(dirty.ExitCode == 0, $"exit {dirty.ExitCode}\n{dirty.Stderr}");
        Assert.Contains("labctl: warning: PROMPT.md differs", dirty.Stderr, StringComparison.Ordinal);
        var dirtyId = long.Parse(dirty.Stdout.Trim(), CultureInfo.InvariantCulture);
        Assert.Equal(AgentRecord.Finished, (await bed.WaitEndedAsync(dirtyId, ct)).Status);
        var dirtyLines = (await bed.LogsAsync(dirtyId, ct)).Select(l => l.Line).ToList();
        Assert.Contains("Old goal: nothing yet.", dirtyLines);
        Assert.DoesNotContain("New goal: maximise the score.", dirtyLines);

        // Committed: the same start works, without a warning, and the agent reads the new goal.
        await bed.CommitAllAsync(root, "goal and agent", ct);
        var clean = await bed.LabctlAsync(ct, "agent", "loop", "-d", "1h", "--max-turns", "1", "--lab", Lab, "--agent-command", "sh agent.sh");
        Assert.True(clean.ExitCode == 0, $"exit {clean.ExitCode}\n{clean.Stderr}");
        Assert.DoesNotContain("warning", clean.Stderr, StringComparison.Ordinal);
        var cleanId = long.Parse(clean.Stdout.Trim(), CultureInfo.InvariantCulture);
        var ended = await bed.WaitEndedAsync(cleanId, ct);
        var lines = (await bed.LogsAsync(cleanId, ct)).Select(l => l.Line).ToList();
        Assert.True(ended.Status == AgentRecord.Finished && ended.RecentTurns.Single().Status == "succeeded", $"{ended.Status} {ended.Reason}\n{string.Join("\n", lines)}");
        Assert.Contains("New goal: maximise the score.", lines);
    }

    [Fact(Timeout = 180_000)]
    public async Task Failed_turns_show_their_reason_and_end_the_loop_after_max_failures_in_a_row()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await AgentsBed.StartAsync(ct);
        await bed.CreateLabAsync(Lab, new Dictionary<string, string> { ["PROMPT.md"] = "Fail.\n" }, ct);

        var started = await bed.LabctlAsync(ct, "agent", "loop", "-d", "10s", "--max-failures", "2", "--lab", Lab,
            "--agent-command", "echo working; echo 'API Error: Invalid API key' >&2; exit 3");
        Assert.True(started.ExitCode == 0, $"exit {started.ExitCode}\n{started.Stderr}");
        var id = long.Parse(started.Stdout.Trim(), CultureInfo.InvariantCulture);
        // The control: one failed turn does not stop it; it counts.
        var afterOne = await bed.WaitUntilAsync(id, a => a.ConsecutiveFailures == 1, ct);
        var ended = await bed.WaitEndedAsync(id, ct);
        var list = await bed.LabctlAsync(ct, "agent", "ls", "--lab", Lab);
        var show = await bed.LabctlAsync(ct, "agent", "show", id.ToString(CultureInfo.InvariantCulture));

        Assert.Equal(AgentRecord.Running, afterOne.Status);
        Assert.Equal("exited with 3: API Error: Invalid API key", afterOne.RecentTurns[0].Reason);
        Assert.True(ended.Status == AgentRecord.Failed, $"{ended.Status} {ended.Reason}\n{bed.Labd.Output}");
        Assert.Equal("2 turns failed in a row (--max-failures 2); turn 2: exited with 3: API Error: Invalid API key", ended.Reason);
        Assert.Equal((2, 2, 2), (ended.Turns, ended.ConsecutiveFailures, ended.MaxFailures));
        Assert.All(ended.RecentTurns, t => Assert.Equal(("failed", 3), (t.Status, t.ExitCode!.Value)));
        Assert.Equal([id.ToString(CultureInfo.InvariantCulture), Lab, "default", "custom", "failed", "2", "2/2", "$0.00", "-"],
            list.Stdout.Split('\n')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("2 turns failed in a row", show.Stdout, StringComparison.Ordinal);
        // The agent's reason and each of its two turns' reasons.
        Assert.Equal(3, show.Stdout.Split('\n').Count(l => l.EndsWith("exited with 3: API Error: Invalid API key", StringComparison.Ordinal)));
    }

    [Fact(Timeout = 180_000)]
    public async Task A_turns_egress_decisions_are_served_to_the_labs_owner_and_no_one_else()
    {
        var ct = TestContext.Current.CancellationToken;
        // The shipped default policy: registries and model APIs only, so denied.test is refused.
        var shipped = await File.ReadAllTextAsync(Path.Combine(AgentsBed.RepoRoot, "policies", "default.yaml"), ct);
        await using var bed = await AgentsBed.StartAsync(ct, _ => new Dictionary<string, string> { ["default"] = shipped });
        await bed.CreateLabAsync(Lab, new Dictionary<string, string> { ["PROMPT.md"] = "Reach out.\n" }, ct);

        // The agent itself cannot read its decisions: the agents API is not on its socket.
        var agent = await bed.StartScriptAsync(Lab,
            "getent hosts denied.test; echo \"probe:egress-api:$(curl -s -o /dev/null -w '%{http_code}' --unix-socket /run/lab/api.sock http://labd/v1/agents/1/egress)\"", ct);
        var ended = await bed.WaitEndedAsync(agent.Id, ct);
        var id = agent.Id.ToString(CultureInfo.InvariantCulture);
        var table = await bed.LabctlAsync(ct, "agent", "egress", id);
        var json = await bed.LabctlAsync(ct, "agent", "egress", id, "--turn", "1", "-o", "json");
        var noTurn = await bed.LabctlAsync(ct, "agent", "egress", id, "--turn", "5");
        using var client = bed.Labd.Client();
        var asRoot = await client.GetStringAsync(Routes.AgentEgress(agent.Id), ct);
        var lines = (await bed.LogsAsync(agent.Id, ct)).Select(l => l.Line).ToList();

        var story = $"{ended.Status} {ended.Reason}\n{table.Stdout}{table.Stderr}\n{bed.Labd.Output}";
        Assert.True(table.ExitCode == 0, story);
        Assert.Contains(table.Stdout.Split('\n'), l => l.Contains("denied.test", StringComparison.Ordinal) && l.Contains("denied", StringComparison.Ordinal));
        var decisions = json.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonSerializer.Deserialize(l, ProtocolJsonContext.Default.RunEgressDecision)!).ToList();
        Assert.Contains(decisions, d => d.Host == "denied.test" && !d.Allowed);
        Assert.Equal(json.Stdout, asRoot);
        Assert.Equal(5, noTurn.ExitCode);
        Assert.Contains("has no turn 5", noTurn.Stderr, StringComparison.Ordinal);
        Assert.Contains("probe:egress-api:403", lines);
    }

    /// <summary>
    /// (Passes once labctl retries inside a sandbox while labd is down: another branch of issue 12.)
    /// A scripted agent's turn calls <c>labctl note add</c> while labd is down (killed mid-turn,
    /// then started again): the call must land (labctl retries inside a sandbox while labd is down,
    /// another branch of issue 12) and the turn succeeds; had the call failed, the script's exit
    /// status fails the turn, so a lost call never counts as a succeeded turn.
    /// </summary>
    [Fact(Timeout = 240_000)]
    public async Task A_turn_whose_labctl_call_spans_a_labd_restart_loses_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await AgentsBed.StartAsync(ct);
        await bed.CreateLabAsync(Lab, new Dictionary<string, string> { ["PROMPT.md"] = "Take notes.\n" }, ct);
        var script = $$"""
            L='{{AgentsBed.LabctlPath}}'
            mkfifo gate && echo ready && cat gate > /dev/null && rm gate || exit 1
            "$L" note add "written while labd restarted" || { echo "note failed: $?"; exit 1; }
            echo noted
            """;

        var agent = await bed.StartScriptAsync(Lab, script, ct);
        var gate = Path.Combine(bed.WorktreeOf(Lab, agent.Id), "gate");
        await WaitForLineAsync(bed, agent.Id, "ready", ct);
        bed.Labd.Signal(9);
        await bed.Labd.WaitForExitAsync(ct);
        // labd is down: open the gate (the turn's cat is reading), so its labctl call starts now.
        await File.WriteAllTextAsync(gate, "go\n", ct);
        await bed.RestartAsync(ct);
        var ended = await bed.WaitEndedAsync(agent.Id, ct);
        var lines = (await bed.LogsAsync(agent.Id, ct)).Select(l => l.Line).ToList();
        var notes = await bed.GetAsync(Routes.LabNotes(Lab), ProtocolJsonContext.Default.IReadOnlyListNoteRecord, ct);

        var story = $"{ended.Status} {ended.Reason}\n{string.Join("\n", lines)}\n{bed.Labd.Output}";
        var turn = Assert.Single(ended.RecentTurns);
        var noted = notes.Any(n => n.Text == "written while labd restarted");
        // Never a succeeded turn whose call was lost.
        Assert.False(turn.Status == "succeeded" && !noted, story);
        Assert.True(noted, "the note written during the restart is missing\n" + story);
        Assert.True(turn.Status == "succeeded", story);
        Assert.Contains("noted", lines);
    }

    private static async Task WaitForLineAsync(AgentsBed bed, long id, string line, CancellationToken ct)
    {
        // Follows the turn's output until the line comes (labd streams it as the sandbox writes).
        while (!(await bed.LogsAsync(id, ct)).Any(l => l.Line == line))
        {
            var agent = await bed.ShowAsync(id, ct);
            Assert.True(agent.Status == AgentRecord.Running, $"agent {id} ended before printing '{line}': {agent.Status} {agent.Reason}\n{bed.Labd.Output}");
            await Task.Delay(100, ct);
        }
    }
}
