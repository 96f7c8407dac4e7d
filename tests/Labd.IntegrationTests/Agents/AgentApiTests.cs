using System.Text.Json;
using Labd.IntegrationTests.Daemon;
using Labd.IntegrationTests.Tracker;
using Labd.Protocol;

namespace Labd.IntegrationTests.Agents;

/// <summary>
/// <c>/v1/agents</c> as people use it: every refusal happens before anything is created and names
/// the fix; a configured kind's credential reaches its sandbox (and nothing labd answers or
/// records), its prompt is the lab's role prompt plus labd's guide, and what the agent wrote is
/// committed on <c>agent/&lt;id&gt;</c>; users see the agents of their own labs only.
/// </summary>
public sealed class AgentApiTests
{
    private const string Secret = "s3cr3t-credential-value";

    [Fact(Timeout = 120_000)]
    public async Task Refused_starts_name_the_fix_and_create_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await AgentsBed.StartAsync(ct, _ => new Dictionary<string, string> { ["narrow"] = AgentsBed.PolicyYaml() + "agents: [claude]\n" }, dir => KindConfig(Path.Combine(dir, "secrets", "key")));
        var secrets = bed.Dir["secrets"];
        Directory.CreateDirectory(secrets);
        await bed.CreateLabAsync("lab-r", new Dictionary<string, string> { ["README"] = "x\n" }, ct);
        await bed.CreateLabAsync("lab-n", new Dictionary<string, string> { ["README"] = "x\n" }, ct, policy: "narrow");
        var key = Path.Combine(secrets, "key");

        await ExpectAsync(400, "does not exist", "fake");
        await File.WriteAllTextAsync(key, Secret, ct);
        await Command.CheckedAsync("chown", [$"{bed.OwnerUid}", key], ct);
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await ExpectAsync(400, "chown root:root", "fake");
        await Command.CheckedAsync("chown", ["0:0", key], ct);
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupWrite);
        await ExpectAsync(400, "chmod 0600", "fake");
        File.Move(key, key + ".real");
        File.CreateSymbolicLink(key, key + ".real");
        await ExpectAsync(400, "not a regular file", "fake");
        await ExpectAsync(400, "no agent kind 'nope'", "nope");
        await ExpectAsync(400, "role", null, role: "Bad Role");
        await ExpectAsync(400, "interval", null, interval: 5);
        await ExpectAsync(403, "does not allow agent kind custom", null, lab: "lab-n");
        await ExpectAsync(404, "lab 'missing' not found", null, lab: "missing");

        using var client = bed.Labd.Client();
        Assert.Empty(JsonSerializer.Deserialize(await client.GetStringAsync(Routes.Agents, ct), ProtocolJsonContext.Default.IReadOnlyListAgentRecord)!);
        Assert.False(Directory.Exists(Path.Combine(bed.Labd.StateDir, "labs", "lab-r", "agents")));

        async Task ExpectAsync(int status, string detail, string? kind, string lab = "lab-r", string? role = null, int? interval = null)
        {
            var (code, body) = await bed.TryStartAsync(new AgentStartRequest(lab, kind, kind is null ? ["/bin/true"] : null, role, interval, null, null, null), ct);
            var problem = JsonSerializer.Deserialize(body, ProtocolJsonContext.Default.Problem);
            Assert.True(code == status && problem?.Detail?.Contains(detail, StringComparison.Ordinal) == true, $"expected {status} with '{detail}', got {code}: {body}");
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task A_configured_kind_gets_its_credential_and_role_prompt_in_its_sandbox_and_its_work_is_committed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await AgentsBed.StartAsync(ct, null, dir => KindConfig(Path.Combine(dir, "key")));
        await File.WriteAllTextAsync(bed.Dir["key"], Secret + "\n", ct);
        File.SetUnixFileMode(bed.Dir["key"], UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var root = await bed.CreateLabAsync("lab-k", new Dictionary<string, string> { ["PROMPT.md"] = "MAIN PROMPT\n", ["PROMPT.critic.md"] = "CRITIC PROMPT\n", ["fake-agent.sh"] = FakeAgent }, ct);

        var agent = await bed.StartAgentAsync(new AgentStartRequest("lab-k", "fake", null, "critic", null, null, null, null), ct);
        var ended = await bed.WaitEndedAsync(agent.Id, ct);
        var lines = (await bed.LogsAsync(agent.Id, ct)).Select(l => l.Line).ToList();
        var text = string.Join("\n", lines);

        Assert.True(ended.Status == AgentRecord.Finished && ended.RecentTurns.Single().Status == "succeeded", $"{ended.Status} {ended.Reason}\n{text}\n{bed.Labd.Output}");
        Assert.Equal("one turn done", ended.Reason);
        Assert.Contains("key=" + Secret, lines);
        Assert.Contains("file=/run/lab/prompt.md", lines);
        Assert.Contains("critic=1 main=0 turn=1 guide=1", lines);
        Assert.Contains("""{"mcpServers":{"lab":{"command":"labctl","args":["mcp"]}}}""", lines);
        Assert.Contains("arg-guide=1", lines);
        Assert.Contains("role=critic id=" + agent.Id, lines);

        // The credential is in no answer, no launch plan, no event.
        using var client = bed.Labd.Client();
        Assert.DoesNotContain(Secret, await client.GetStringAsync(Routes.Agent(agent.Id), ct), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, await client.GetStringAsync(Routes.Agents, ct), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, await File.ReadAllTextAsync(Path.Combine(bed.RunDirectory(ended.RecentTurns[0].RunId!), "launch.json"), ct), StringComparison.Ordinal);
        Assert.All(bed.Events(agent.Id), e => Assert.DoesNotContain(Secret, e.Data ?? "", StringComparison.Ordinal));
        Assert.DoesNotContain(Secret, bed.Labd.Output, StringComparison.Ordinal);

        // What the turn wrote is on agent/<id>, one commit per turn.
        string[] git = ["-C", root, "-c", "safe.directory=*"];
        Assert.Equal($"agent {agent.Id} turn 1", (await Command.CheckedAsync("git", [.. git, "log", "-1", "--format=%s", ended.Branch], ct)).Trim());
        Assert.Equal("written by the agent", (await Command.CheckedAsync("git", [.. git, "show", ended.Branch + ":made.txt"], ct)).Trim());
        Assert.Equal($"agent/{agent.Id}", ended.Branch);
        Assert.Equal(bed.WorktreeOf("lab-k", agent.Id), ended.Worktree);
    }

    /// <summary>H9: the embedded kinds take the prompt on stdin, so it is on no command line; a kind
    /// whose argv carries <c>{prompt}</c> gets it there and an empty stdin.</summary>
    [Fact(Timeout = 180_000)]
    public async Task A_kind_without_prompt_in_its_argv_reads_the_prompt_on_stdin_and_one_with_it_gets_an_empty_stdin()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Count = "echo stdin-guide=$(grep -c 'labd guide for agents')";
        await using var bed = await AgentsBed.StartAsync(ct, null, _ => $$"""
            agents:
              piped:
                command: [/bin/sh, -c, "{{Count}}"]
              argued:
                command: [/bin/sh, -c, "{{Count}}", "{prompt}"]
            """);
        await bed.CreateLabAsync("lab-s", new Dictionary<string, string> { ["PROMPT.md"] = "MAIN PROMPT\n" }, ct);
        foreach (var (kind, expected) in new[] { ("piped", "stdin-guide=1"), ("argued", "stdin-guide=0") })
        {
            var agent = await bed.StartAgentAsync(new AgentStartRequest("lab-s", kind, null, null, null, 1, null, null), ct);
            var ended = await bed.WaitEndedAsync(agent.Id, ct);
            var lines = (await bed.LogsAsync(agent.Id, ct)).Select(l => l.Line).ToList();
            Assert.True(lines.Contains(expected), $"{kind}: {ended.Status} {ended.Reason}\n{string.Join("\n", lines)}");
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task Users_see_and_stop_the_agents_of_their_own_labs_only()
    {
        var ct = TestContext.Current.CancellationToken;
        await TrackerBed.EnsureOtherAsync(ct);
        await using var bed = await AgentsBed.StartAsync(ct);
        await bed.CreateLabAsync("lab-u", new Dictionary<string, string> { ["README"] = "x\n" }, ct);
        var socket = bed.Labd.SocketPath;
        var body = """{"lab": "lab-u", "command": ["/bin/sh", "-c", "sleep 300"], "intervalSeconds": 60}""";

        var started = await Curl.AsUserAsync(TestAccounts.User, socket, "POST", Routes.Agents, body, ct);
        Assert.True(started.Status == 201, $"{started.Status} {started.Body}");
        var agent = JsonSerializer.Deserialize(started.Body, ProtocolJsonContext.Default.AgentRecord)!;
        Assert.Equal(TestAccounts.User, agent.Owner);

        var otherList = await Curl.AsUserAsync(TrackerBed.Other, socket, "GET", Routes.Agents, null, ct);
        Assert.Equal(200, otherList.Status);
        Assert.Empty(JsonSerializer.Deserialize(otherList.Body, ProtocolJsonContext.Default.IReadOnlyListAgentRecord)!);
        foreach (var (method, path) in new[] { ("GET", Routes.Agent(agent.Id)), ("POST", Routes.AgentStop(agent.Id)), ("GET", Routes.AgentLogs(agent.Id, false)) })
        {
            var refused = await Curl.AsUserAsync(TrackerBed.Other, socket, method, path, null, ct);
            Assert.True(refused.Status == 404 && refused.Problem().Code == "agent-not-found", $"{method} {path}: {refused.Status} {refused.Body}");
        }
        var otherStart = await Curl.AsUserAsync(TrackerBed.Other, socket, "POST", Routes.Agents, body, ct);
        Assert.Equal(404, otherStart.Status);

        var mine = await Curl.AsUserAsync(TestAccounts.User, socket, "GET", Routes.AgentsOf("lab-u"), null, ct);
        Assert.Equal([agent.Id], JsonSerializer.Deserialize(mine.Body, ProtocolJsonContext.Default.IReadOnlyListAgentRecord)!.Select(a => a.Id));
        var stop = await Curl.AsUserAsync(TestAccounts.User, socket, "POST", Routes.AgentStop(agent.Id), """{"graceSeconds": 1}""", ct);
        Assert.True(stop.Status == 202, $"{stop.Status} {stop.Body}");
        Assert.Equal(AgentRecord.Stopped, (await bed.WaitEndedAsync(agent.Id, ct)).Status);
    }

    /// <summary>labd.yaml's agents section: kind <c>fake</c> runs the lab's fake-agent.sh (in its worktree) with the prompt file and the prompt.</summary>
    private static string KindConfig(string keyFile) => $$"""
        agents:
          fake:
            command: [/bin/sh, fake-agent.sh, "{promptFile}", "{prompt}"]
            credentials:
              FAKE_KEY: {{keyFile}}
        """;

    /// <summary>A turn of kind fake: prints what it was given and writes a file into its worktree.</summary>
    private const string FakeAgent = """
        echo "key=$FAKE_KEY"
        echo "file=$1"
        echo "critic=$(grep -c 'CRITIC PROMPT' "$LAB_PROMPT_FILE") main=$(grep -c 'MAIN PROMPT' "$LAB_PROMPT_FILE") turn=$(grep -c '^- Turn: 1' "$LAB_PROMPT_FILE") guide=$(grep -c 'labd guide for agents' "$LAB_PROMPT_FILE")"
        cat /run/lab/mcp.json; echo
        echo "arg-guide=$(printf '%s' "$2" | grep -c 'labd guide for agents')"
        echo "role=$LAB_AGENT_ROLE id=$LAB_AGENT_ID"
        echo 'written by the agent' > made.txt
        """;
}
