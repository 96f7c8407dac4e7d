using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Labd.IntegrationTests.Daemon;
using Labd.Interop;
using Labd.Protocol;

namespace Labd.IntegrationTests.Agents;

/// <summary>
/// Agent kinds from labd.yaml: the real agent CLIs start in a sandbox under the shipped default
/// policy; a kind's reported cost stops a loop at its USD budget; a kind's credential reaches
/// that agent's sandbox and nothing labd writes or answers (issue #6, done-when 4).
/// </summary>
public sealed class AgentKindsTests
{
    private const string Lab = "kinds";

    [Fact(Timeout = 180_000)]
    public async Task Claude_and_codex_run_in_an_agent_sandbox_under_the_shipped_default_policy()
    {
        var ct = TestContext.Current.CancellationToken;
        var expected = new List<string>();
        foreach (var cli in new[] { "claude", "codex" })
        {
            var (code, stdout, stderr) = await RunOnHostAsync(cli, ct);
            if (code == 127)
            {
                Assert.Skip($"{cli} is not installed on this host: scripts/test installs the agent CLIs (npm install -g @anthropic-ai/claude-code @openai/codex)");
            }
            Assert.True(code == 0, $"{cli} --version on the host: exit {code}\n{stdout}{stderr}");
            expected.Add(stdout.Trim());
        }
        // The policy file labd ships (packaged as /etc/labd/policies/default.yaml and embedded).
        var shipped = await File.ReadAllTextAsync(Path.Combine(AgentsBed.RepoRoot, "policies", "default.yaml"), ct);
        await using var bed = await AgentsBed.StartAsync(ct, _ => new Dictionary<string, string> { ["default"] = shipped });
        await bed.CreateLabAsync(Lab, new Dictionary<string, string> { ["README"] = "kinds\n" }, ct);

        var agent = await bed.StartScriptAsync(Lab, "claude --version && codex --version", ct);
        var ended = await bed.WaitEndedAsync(agent.Id, ct);
        var lines = (await bed.LogsAsync(agent.Id, ct)).Select(l => l.Line).ToList();

        var story = $"{ended.Status} {ended.Reason}\n{string.Join("\n", lines)}\n{bed.Labd.Output}";
        Assert.True(ended.Status == AgentRecord.Finished, story);
        Assert.Equal("default", ended.Policy);
        var turn = Assert.Single(ended.RecentTurns);
        Assert.True(turn.ExitCode == 0 && turn.Status == "succeeded", story);
        foreach (var version in expected)
        {
            Assert.True(lines.Contains(version), $"no '{version}' in the turn's log\n{story}");
        }
    }

    [Fact(Timeout = 180_000)]
    public async Task A_loop_of_a_claude_stream_json_kind_finishes_when_its_reported_cost_reaches_the_usd_budget()
    {
        var ct = TestContext.Current.CancellationToken;
        // A stand-in for claude: each turn prints a stream-json transcript whose result event
        // reports $0.40. With --budget-usd 1 and the shortest interval (10 s) the third turn (total $1.20) is the last.
        await using var bed = await AgentsBed.StartAsync(ct, extraConfig: _ => """
            agents:
              fake-claude:
                output: claude-stream-json
                command:
                  - /bin/sh
                  - -c
                  - |
                    echo '{"type":"system","subtype":"init","session_id":"s","claude_code_version":"2.1.197"}'
                    echo '{"type":"assistant","message":{"type":"message","usage":{"input_tokens":9,"output_tokens":9}}}'
                    echo '{"type":"result","subtype":"success","is_error":false,"num_turns":1,"total_cost_usd":0.4,"usage":{"input_tokens":1000,"cache_read_input_tokens":500,"output_tokens":20}}'
            """);
        await bed.CreateLabAsync(Lab, new Dictionary<string, string> { ["README"] = "budget\n" }, ct);

        var agent = await bed.StartAgentAsync(new AgentStartRequest(Lab, "fake-claude", null, null, IntervalSeconds: 10, MaxTurns: 10, BudgetUsd: 1, Until: null), ct);
        Assert.Equal("fake-claude", agent.Kind);
        var ended = await bed.WaitEndedAsync(agent.Id, ct);

        var story = $"{ended.Status} {ended.Reason}: {ended.Turns} turns, ${ended.CostUsd}\n{bed.Labd.Output}";
        Assert.True(ended.Status == AgentRecord.Finished, story);
        Assert.Contains("budget", ended.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(3, ended.Turns);
        Assert.Equal(1.2, ended.CostUsd, 6);
        Assert.Equal(3 * 1500, ended.InputTokens);
        Assert.Equal(3 * 20, ended.OutputTokens);
        Assert.Equal([1, 2, 3], ended.RecentTurns.Select(t => t.Number));
        Assert.All(ended.RecentTurns, t =>
        {
            Assert.Equal(0.4, t.CostUsd!.Value, 6);
            Assert.Equal(1500, t.InputTokens);
            Assert.Equal(20, t.OutputTokens);
        });
    }

    [Fact(Timeout = 180_000)]
    public async Task A_policy_gives_a_kind_its_own_argv_for_its_labs_and_may_add_a_kind_of_its_own()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await AgentsBed.StartAsync(ct,
            extraPolicies: _ => new Dictionary<string, string>
            {
                ["own"] = AgentsBed.PolicyYaml() + "\nagents:\n  echoer:\n    command: [/bin/sh, -c, 'echo from-policy']\n  extra:\n    command: [/bin/sh, -c, 'echo extra-kind']\n",
            },
            extraConfig: _ => "agents:\n  echoer:\n    command: [/bin/sh, -c, 'echo from-labd-yaml']\n");
        await bed.CreateLabAsync("lab-d", new Dictionary<string, string> { ["README"] = "default policy\n" }, ct);
        await bed.CreateLabAsync("lab-o", new Dictionary<string, string> { ["README"] = "own policy\n" }, ct, policy: "own");

        var plain = await bed.StartAgentAsync(new AgentStartRequest("lab-d", "echoer", null, null, null, null, null, null), ct);
        var own = await bed.StartAgentAsync(new AgentStartRequest("lab-o", "echoer", null, null, null, null, null, null), ct);
        var extra = await bed.StartAgentAsync(new AgentStartRequest("lab-o", "extra", null, null, null, null, null, null), ct);
        var (elsewhere, elsewhereBody) = await bed.TryStartAsync(new AgentStartRequest("lab-d", "extra", null, null, null, null, null, null), ct);
        var (unlisted, unlistedBody) = await bed.TryStartAsync(new AgentStartRequest("lab-o", "claude", null, null, null, null, null, null), ct);

        Assert.Equal(["/bin/sh", "-c", "echo from-labd-yaml"], plain.Command);
        Assert.Equal(["/bin/sh", "-c", "echo from-policy"], own.Command);
        foreach (var (agent, line) in new[] { (plain, "from-labd-yaml"), (own, "from-policy"), (extra, "extra-kind") })
        {
            var ended = await bed.WaitEndedAsync(agent.Id, ct);
            var lines = (await bed.LogsAsync(agent.Id, ct)).Select(l => l.Line).ToList();
            Assert.True(ended.Status == AgentRecord.Finished && lines.Contains(line), $"{agent.Kind} on {agent.Lab}: {ended.Status} {ended.Reason}\n{string.Join("\n", lines)}");
        }
        // The added kind exists only under its policy; the mapping lists every kind its labs may run.
        Assert.True(elsewhere == 400 && Detail(elsewhereBody).StartsWith("no agent kind 'extra' in labd.yaml or policy 'default'", StringComparison.Ordinal), elsewhereBody);
        Assert.True(unlisted == 403 && Detail(unlistedBody).Contains("does not allow agent kind claude (it allows: echoer, extra)", StringComparison.Ordinal), unlistedBody);
    }

    private static string Detail(string problem)
    {
        using var json = JsonDocument.Parse(problem);
        return json.RootElement.GetProperty("detail").GetString() ?? "";
    }

    [Fact(Timeout = 300_000)]
    public async Task A_credential_reaches_its_agent_and_never_a_log_an_api_answer_or_an_experiments_environment()
    {
        var ct = TestContext.Current.CancellationToken;
        Root.Require("credential files are root-owned");
        var secret = "k" + RandomNumberGenerator.GetHexString(47, lowercase: true);
        var secretHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
        // The key file: root-owned 0600 in a 0700 directory, as under /etc/labd/secrets.
        var secrets = Directory.CreateTempSubdirectory("labdt-secrets-");
        try
        {
            File.SetUnixFileMode(secrets.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var keyFile = Path.Combine(secrets.FullName, "test-key");
            await File.WriteAllTextAsync(keyFile, secret, ct);
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await using var bed = await AgentsBed.StartAsync(ct, extraConfig: _ => "agents:\n"
                + KeyedKind("keyed", keyFile, "sh dump.sh")
                // Negative control: the same agent, weakened to hand its key to its experiment.
                + KeyedKind("keyed-leak", keyFile, "env LEAKED_KEY=\"$LABD_TEST_KEY\" sh dump.sh"));
            await bed.CreateLabAsync(Lab, new Dictionary<string, string> { ["README"] = "credentials\n" }, ct);

            var agent = await bed.StartAgentAsync(new AgentStartRequest(Lab, "keyed", null, null, null, null, null, null), ct);
            var ended = await bed.WaitEndedAsync(agent.Id, ct);
            var lines = (await bed.LogsAsync(agent.Id, ct)).Select(l => l.Line).ToList();
            var story = $"{ended.Status} {ended.Reason}\n{string.Join("\n", lines)}\n{bed.Labd.Output}";
            Assert.True(ended.Status == AgentRecord.Finished, story);

            // Positive control: the agent had the key, exactly (its hash), and its experiment dumped an environment.
            Assert.True(lines.Contains("have-key"), story);
            Assert.True(lines.Contains("key-sha256:" + secretHash), story);
            Assert.True(lines.Contains("dump-done"), story);
            var experiment = Assert.Single(await bed.GetAsync(Routes.LabExperiments(Lab), ProtocolJsonContext.Default.IReadOnlyListExperimentRecord, ct));
            var experimentLog = await GetTextAsync(bed, Routes.ExperimentLogs(experiment.Id, follow: false), ct);
            Assert.True(experimentLog.Contains("ENV-DUMP-BEGIN", StringComparison.Ordinal) && experimentLog.Contains("PATH=", StringComparison.Ordinal), experimentLog);
            Assert.DoesNotContain("LABD_TEST_KEY", experimentLog, StringComparison.Ordinal);

            var hits = await FindAsync(bed, secret, ct);
            Assert.True(hits.Count == 0, "the credential leaked into:\n" + string.Join("\n", hits));

            // Negative control: an agent that passes its key into its experiment's environment; the
            // same search finds it (the experiment's log and command, in files and API answers).
            var leak = await bed.StartAgentAsync(new AgentStartRequest(Lab, "keyed-leak", null, null, null, null, null, null), ct);
            var leakEnded = await bed.WaitEndedAsync(leak.Id, ct);
            var leakLines = (await bed.LogsAsync(leak.Id, ct)).Select(l => l.Line).ToList();
            Assert.True(leakLines.Contains("dump-done"), $"{leakEnded.Status} {leakEnded.Reason}\n{string.Join("\n", leakLines)}");
            var leaked = await FindAsync(bed, secret, ct);
            Assert.True(leaked.Any(h => h.StartsWith("GET /v1/experiments/", StringComparison.Ordinal) && h.EndsWith("/logs", StringComparison.Ordinal)), string.Join("\n", leaked));
            Assert.True(leaked.Any(h => h.StartsWith("file ", StringComparison.Ordinal)), string.Join("\n", leaked));
        }
        finally
        {
            secrets.Delete(recursive: true);
        }
    }

    /// <summary>
    /// A labd.yaml kind whose turn proves it has <c>LABD_TEST_KEY</c> without printing it, then
    /// runs an experiment (<paramref name="run"/> runs dump.sh) that prints its environment.
    /// </summary>
    private static string KeyedKind(string name, string keyFile, string run)
    {
        var script = $$$"""
            L='{{{AgentsBed.LabctlPath}}}'
            if [ -n "$LABD_TEST_KEY" ]; then echo have-key; fi
            echo "key-sha256:$(printf %s "$LABD_TEST_KEY" | sha256sum | cut -d' ' -f1)"
            N=$("$L" idea new 'dump the environment' -o json | tr -d ' \n' | sed -n 's/.*"number":\([0-9]*\).*/\1/p')
            test -n "$N" || { echo 'idea new failed'; exit 1; }
            printf 'echo ENV-DUMP-BEGIN\nenv\necho ENV-DUMP-END\n' > dump.sh
            "$L" exp run --idea "$N" --wait -- {{{run}}} || { echo 'exp run failed'; exit 1; }
            echo dump-done
            """;
        var indented = string.Join("", script.Split('\n').Select(l => "          " + l + "\n"));
        return $"""
              {name}:
                credentials:
                  LABD_TEST_KEY: {keyFile}
                command:
                  - /bin/sh
                  - -c
                  - |

            """ + indented;
    }

    /// <summary>
    /// Everything labd wrote or answered that holds <paramref name="secret"/>: every file under the
    /// test's directory (state dir with labd.db and its WAL, run dirs and logs, the labs' git
    /// repositories, worktrees), labd's own stdout and stderr, and the
    /// answers of the API about agents, turns' runs, experiments and the lab.
    /// </summary>
    private static async Task<List<string>> FindAsync(AgentsBed bed, string secret, CancellationToken cancellationToken)
    {
        var hits = new List<string>();
        var needle = Encoding.UTF8.GetBytes(secret);
        var searched = new List<string>();
        foreach (var path in Directory.EnumerateFiles(bed.Dir.Path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false }))
        {
            // Regular files only: a socket or fifo stores nothing (and a fifo would block the read).
            if (DirectoryFd.TryStat(path) is not { } status || (status.Mode & 0xF000) != DirectoryFd.TypeRegular)
            {
                continue;
            }
            var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
            searched.Add(path);
            if (bytes.AsSpan().IndexOf(needle) >= 0)
            {
                hits.Add("file " + path);
            }
        }
        Assert.True(searched.Count > 10, $"only {searched.Count} files searched under {bed.Dir.Path}");
        Assert.Contains(Path.Combine(bed.Labd.StateDir, "labd.db"), searched);
        Assert.Contains(searched, p => p.StartsWith(Path.Combine(bed.Labd.StateDir, "runs") + "/", StringComparison.Ordinal));
        if (bed.Labd.Output.Contains(secret, StringComparison.Ordinal))
        {
            hits.Add("labd's stdout/stderr");
        }

        var routes = new List<string> { Routes.Agents, Routes.AgentsOf(Lab), Routes.Runs, Routes.LabExperiments(Lab), Routes.LabIdeas(Lab), Routes.LabNotes(Lab), Routes.LabOrient(Lab), Routes.LabLeaderboard(Lab), Routes.Status };
        foreach (var agent in await bed.GetAsync(Routes.Agents, ProtocolJsonContext.Default.IReadOnlyListAgentRecord, cancellationToken))
        {
            routes.Add(Routes.Agent(agent.Id));
            routes.Add(Routes.AgentLogs(agent.Id, follow: false));
            foreach (var turn in (await bed.ShowAsync(agent.Id, cancellationToken)).RecentTurns)
            {
                routes.Add(Routes.AgentLogs(agent.Id, follow: false, turn: turn.Number));
                if (turn.RunId is { } run)
                {
                    routes.Add(Routes.Run(run));
                    routes.Add(Routes.RunLogs(run, follow: false));
                }
            }
        }
        foreach (var experiment in await bed.GetAsync(Routes.LabExperiments(Lab), ProtocolJsonContext.Default.IReadOnlyListExperimentRecord, cancellationToken))
        {
            routes.Add(Routes.Experiment(experiment.Id));
            routes.Add(Routes.ExperimentLogs(experiment.Id, follow: false));
            routes.Add(Routes.ExperimentMetrics(experiment.Id));
        }
        foreach (var route in routes)
        {
            if ((await GetTextAsync(bed, route, cancellationToken)).Contains(secret, StringComparison.Ordinal))
            {
                hits.Add("GET " + route);
            }
        }
        return hits;
    }

    private static async Task<string> GetTextAsync(AgentsBed bed, string route, CancellationToken cancellationToken)
    {
        using var client = bed.Labd.Client();
        using var response = await client.GetAsync(route, cancellationToken);
        return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}";
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunOnHostAsync(string cli, CancellationToken cancellationToken)
    {
        try
        {
            return await Command.RunAsync(cli, ["--version"], cancellationToken);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (127, "", $"{cli}: not found");
        }
    }
}
