using System.Globalization;
using System.Text.Json;
using Labd.IntegrationTests.Daemon;
using Labd.IntegrationTests.Tracker;
using Labd.Protocol;

namespace Labd.IntegrationTests.Agents;

/// <summary>
/// <c>labctl agent start|loop|ls|show|logs|stop</c>, run by the lab's owner against a real labd with
/// trivial custom agents; and what those agents see through labctl inside their sandboxes: role
/// messages for their role only, <c>msg wait</c>, and their budget in <c>orient</c>.
/// </summary>
public sealed class AgentCliTests
{
    private const string User = TestAccounts.User;

    [Fact(Timeout = 240_000)]
    public async Task Labctl_starts_lists_shows_follows_and_stops_agents()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await AgentsBed.StartAsync(ct);
        await bed.CreateLabAsync("lab-c", new Dictionary<string, string> { ["PROMPT.md"] = "Say hello.\n" }, ct);

        var id = (await LabctlOkAsync(bed, ct, "agent", "start", "--lab", "lab-c", "--agent-command", "echo hello from turn $LAB_TURN; sleep 1")).Trim();
        // Follows until the one-turn agent has ended, then exits 0.
        var logs = await LabctlOkAsync(bed, ct, "agent", "logs", id, "-f");
        var shown = JsonSerializer.Deserialize(await LabctlOkAsync(bed, ct, "agent", "show", id, "-o", "json"), ProtocolJsonContext.Default.AgentRecord)!;
        var text = await LabctlOkAsync(bed, ct, "agent", "show", id);
        var list = await LabctlOkAsync(bed, ct, "agent", "ls", "--lab", "lab-c");

        Assert.Equal("1", id);
        // The turn's output is there, once, under its header.
        Assert.StartsWith("── turn 1 ──\n", logs, StringComparison.Ordinal);
        Assert.Single(logs.Split('\n'), l => l == "hello from turn 1");
        Assert.Single(logs.Split('\n'), l => l.StartsWith("── turn", StringComparison.Ordinal));
        Assert.Equal((AgentRecord.Finished, 1, "custom"), (shown.Status, shown.Turns, shown.Kind));
        Assert.Equal(["/bin/sh", "-c", "echo hello from turn $LAB_TURN; sleep 1"], shown.Command);
        Assert.Contains(bed.WorktreeOf("lab-c", 1), text, StringComparison.Ordinal);
        Assert.Contains("agent/1", text, StringComparison.Ordinal);
        Assert.Equal(["1", "lab-c", "default", "custom", "finished", "1", "0/3", "$0.00", "-"], list.Split('\n')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));

        const string Marker = "3017";
        var looper = (await LabctlOkAsync(bed, ct, "agent", "loop", "-d", "1h", "--role", "explorer", "--lab", "lab-c", "--agent-command", $"echo looping; exec sleep {Marker}")).Trim();
        await bed.WaitUntilAsync(long.Parse(looper, CultureInfo.InvariantCulture), a => a.CurrentTurn is not null, ct);
        Assert.Contains("in turn 1", await LabctlOkAsync(bed, ct, "agent", "ls"), StringComparison.Ordinal);
        // Ctrl-C ends the following (exit 130), not the agent.
        var (interrupted, followed) = await FollowThenInterruptAsync(bed, looper, "looping", ct);
        Assert.Equal((130, true), (interrupted, followed.Contains("looping", StringComparison.Ordinal)));
        Assert.Equal(AgentRecord.Running, (await bed.ShowAsync(long.Parse(looper, CultureInfo.InvariantCulture), ct)).Status);
        var stop = await LabctlOkAsync(bed, ct, "agent", "stop", looper, "--grace", "2s");
        var stopped = await bed.ShowAsync(long.Parse(looper, CultureInfo.InvariantCulture), ct);
        var missing = await LabctlAsync(bed, ct, "agent", "show", "99");

        Assert.Equal($"Agent {looper} is stopped\n", stop);
        Assert.Equal(AgentRecord.Stopped, stopped.Status);
        Assert.Equal("stopped", stopped.RecentTurns.Single().Status);
        Assert.Empty(Processes("sleep " + Marker));
        Assert.Equal(5, missing.ExitCode);
    }

    [Fact(Timeout = 240_000)]
    public async Task Agents_get_their_roles_messages_only_and_see_their_budget_in_orient_and_the_guide()
    {
        var ct = TestContext.Current.CancellationToken;
        // The explorer's kind reports cost (claude-stream-json), so it may have a USD budget;
        // it runs the same script, from its worktree.
        await using var bed = await AgentsBed.StartAsync(ct, null, _ => """
            agents:
              scripted:
                command: [/bin/sh, agent.sh]
                output: claude-stream-json
            """);
        var script = $"""
            L='{AgentsBed.LabctlPath}'
            "$L" msg wait --timeout 30s; echo "wait-exit:$?"
            "$L" orient
            "$L" msg wait --timeout 1s; echo "wait-exit:$?"
            "$L" guide | head -n 1
            """;
        await bed.CreateLabAsync("lab-r", new Dictionary<string, string> { ["PROMPT.md"] = "Read your messages.\n", ["agent.sh"] = script }, ct);
        await LabctlOkAsync(bed, ct, "msg", "send", "--lab", "lab-r", "--to", "role:explorer", "explorers only");
        await LabctlOkAsync(bed, ct, "msg", "send", "--lab", "lab-r", "--to", "role:reviewer", "reviewers only");

        var refused = await LabctlAsync(bed, ct, "agent", "start", "--lab", "lab-r", "--budget-usd", "5", "--agent-command", script);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("custom (output: text) reports none", refused.Stderr, StringComparison.Ordinal);

        var explorer = long.Parse(await LabctlOkAsync(bed, ct, "agent", "loop", "-d", "1h", "--lab", "lab-r", "--role", "explorer",
            "--max-turns", "3", "--budget-usd", "5", "--until", "2099-01-01T00:00:00Z", "--agent", "scripted"), CultureInfo.InvariantCulture);
        var reviewer = long.Parse(await LabctlOkAsync(bed, ct, "agent", "start", "--lab", "lab-r", "--role", "reviewer", "--agent-command", script), CultureInfo.InvariantCulture);
        await bed.WaitUntilAsync(explorer, a => a.Turns == 1 && a.CurrentTurn is null, ct);
        await LabctlOkAsync(bed, ct, "agent", "stop", explorer.ToString(CultureInfo.InvariantCulture));
        await bed.WaitEndedAsync(reviewer, ct);
        var explorerLog = string.Join('\n', (await bed.LogsAsync(explorer, ct)).Select(l => l.Line));
        var reviewerLog = string.Join('\n', (await bed.LogsAsync(reviewer, ct)).Select(l => l.Line));

        Assert.Contains("explorers only", explorerLog, StringComparison.Ordinal);
        Assert.DoesNotContain("reviewers only", explorerLog, StringComparison.Ordinal);
        Assert.Contains("reviewers only", reviewerLog, StringComparison.Ordinal);
        Assert.DoesNotContain("explorers only", reviewerLog, StringComparison.Ordinal);
        foreach (var log in (string[])[explorerLog, reviewerLog])
        {
            // Read by msg wait: not unread again in orient; the second wait times out.
            Assert.Contains("wait-exit:0\n", log, StringComparison.Ordinal);
            Assert.Contains("Unread messages: none", log, StringComparison.Ordinal);
            Assert.Contains("wait-exit:124", log, StringComparison.Ordinal);
            Assert.Contains("# labd guide for agents", log, StringComparison.Ordinal);
        }
        Assert.Contains($"Budget:\n  agent {explorer}, turn 1\n  turns left: 2\n  cost so far: $0.00, left: $5.00\n  until: 2099-01-01 00:00Z", explorerLog, StringComparison.Ordinal);
        Assert.Contains($"Budget:\n  agent {reviewer}, turn 1\n  turns left: 0\n  cost so far: $0.00, left: no limit\n  until: no limit", reviewerLog, StringComparison.Ordinal);
    }

    private static Task<(int ExitCode, string Stdout, string Stderr)> LabctlAsync(AgentsBed bed, CancellationToken ct, params string[] args) =>
        TrackerBed.AsUserAsync(User, "/tmp", Path.Combine(AppContext.BaseDirectory, "labctl"), ["--socket", bed.Labd.SocketPath, .. args], ct);

    private static async Task<string> LabctlOkAsync(AgentsBed bed, CancellationToken ct, params string[] args)
    {
        var (exit, stdout, stderr) = await LabctlAsync(bed, ct, args);
        Assert.True(exit == 0, $"labctl {string.Join(' ', args)} exited {exit}\n{stdout}\n{stderr}\n{bed.Labd.Output}");
        return stdout;
    }

    /// <summary>Runs <c>labctl agent logs -f</c> (as root) until <paramref name="expected"/> shows, then sends it SIGINT as Ctrl-C does.</summary>
    private static async Task<(int ExitCode, string Stdout)> FollowThenInterruptAsync(AgentsBed bed, string id, string expected, CancellationToken ct)
    {
        var start = new System.Diagnostics.ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "labctl")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["--socket", bed.Labd.SocketPath, "agent", "logs", id, "-f"])
        {
            start.ArgumentList.Add(arg);
        }
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = new System.Text.StringBuilder();
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            lock (stdout)
            {
                stdout.AppendLine(e.Data);
            }
            if (e.Data?.Contains(expected, StringComparison.Ordinal) == true)
            {
                seen.TrySetResult();
            }
        };
        process.BeginOutputReadLine();
        try
        {
            await seen.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);
            Labd.Interop.Signals.Send(process.Id, 2);
            await process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(15), ct);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
        lock (stdout)
        {
            return (process.ExitCode, stdout.ToString());
        }
    }

    /// <summary>Host processes whose command line contains <paramref name="text"/>.</summary>
    private static List<string> Processes(string text)
    {
        var found = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim();
                if (cmdline.Contains(text, StringComparison.Ordinal))
                {
                    found.Add($"{Path.GetFileName(dir)}: {cmdline}");
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return found;
    }
}
