using System.Text.Json;
using Labctl.Commands;
using Labctl.Tests.Support;
using Labd.Protocol;

namespace Labctl.Tests.Agents;

public sealed class AgentCommandTests : IDisposable
{
    private const string Record = """
        {"id":7,"lab":"cifar","role":"explorer","kind":"custom","command":["/bin/sh","-c","echo hi"],"status":"running","intervalSeconds":900,"maxTurns":3,
         "turns":1,"costUsd":0.5,"inputTokens":1200,"outputTokens":300,"branch":"agent/7","worktree":"/var/lib/labd/labs/cifar/agents/7/worktree","policy":"default",
         "owner":"user:1000","createdAt":"2026-11-24T10:00:00Z","nextTurnAt":"2099-01-01T00:00:00Z","consecutiveFailures":1,"maxFailures":3,
         "recentTurns":[{"agent":7,"number":1,"status":"succeeded","exitCode":0,"startedAt":"2026-11-24T10:00:00Z","endedAt":"2026-11-24T10:02:05Z","costUsd":0.5,"inputTokens":1200,"outputTokens":300},
                        {"agent":7,"number":2,"status":"failed","exitCode":1,"startedAt":"2026-11-24T10:15:00Z","endedAt":"2026-11-24T10:15:09Z","reason":"API Error: Invalid API key"}]}
        """;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("20s", 20)]
    [InlineData("15m", 900)]
    [InlineData("2h", 7200)]
    [InlineData("1d", 86400)]
    [InlineData("1h30m", 5400)]
    [InlineData("45", 45)]
    public void Durations_read_seconds_minutes_hours_and_days(string text, int seconds) =>
        Assert.Equal(seconds, AgentTimes.Seconds(text));

    [Theory]
    [InlineData("")]
    [InlineData("15x")]
    [InlineData("m")]
    [InlineData("0")]
    [InlineData("-5m")]
    [InlineData("1.5h")]
    [InlineData("99999999999999999999d")]
    [InlineData("9999999d")]
    public void Anything_else_is_not_a_duration(string text) =>
        Assert.Null(AgentTimes.Seconds(text));

    [Fact]
    public void Until_reads_rfc3339_instants_with_their_offset_and_durations_from_now()
    {
        var now = new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

        Assert.Equal(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero), AgentTimes.Until("2026-11-25T08:00:00Z", now));
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 6, 0, 0, TimeSpan.Zero), AgentTimes.Until("2026-11-25T08:00:00+02:00", now));
        Assert.Equal(now.AddHours(8), AgentTimes.Until("8h", now));
        Assert.Null(AgentTimes.Until("2026-11-25", now));
        Assert.Null(AgentTimes.Until("2026-11-25T08:00:00", now));
        Assert.Null(AgentTimes.Until("tomorrow", now));
    }

    [Theory(Timeout = 30000)]
    [InlineData("--max-turns 0", "--max-turns")]
    [InlineData("--budget-usd -1", "--budget-usd")]
    [InlineData("--until 2001-01-01T00:00:00Z", "already past")]
    [InlineData("--until soon", "RFC 3339")]
    [InlineData("--agent codex --agent-command true", "exclude each other")]
    public async Task Bad_start_options_are_usage_errors_that_say_what_is_wrong_and_send_nothing(string options, string expected)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock"));

        var result = await InProcessLabctl.RunAsync(ct, ["agent", "start", "--lab", "cifar", "--socket", daemon.SocketPath, .. options.Split(' ')]);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.Empty(daemon.Requests);
    }

    [Theory(Timeout = 30000)]
    [InlineData("", "-d")]
    [InlineData("-d 15x", "not a duration")]
    [InlineData("-d 0s", "not a duration")]
    public async Task A_loop_needs_an_interval_that_is_a_duration(string options, string expected)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock"));

        var result = await InProcessLabctl.RunAsync(ct, ["agent", "loop", "--lab", "cifar", "--socket", daemon.SocketPath, .. options.Split(' ', StringSplitOptions.RemoveEmptyEntries)]);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.Empty(daemon.Requests);
    }

    [Fact(Timeout = 30000)]
    public async Task Loop_with_a_command_sends_it_through_sh_as_kind_custom_with_the_interval_and_caps_and_prints_the_id()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.Agents, new CannedResponse(201, "application/json", Record));
        var before = DateTimeOffset.UtcNow;

        var result = await InProcessLabctl.RunAsync(ct, "agent", "loop", "-d", "15m", "--agent-command", "echo hi", "--role", "explorer", "--lab", "cifar",
            "--max-turns", "3", "--budget-usd", "2.5", "--until", "8h", "--max-failures", "5", "--socket", daemon.SocketPath);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("7\n", result.Out);
        Assert.Contains("labctl agent logs -f 7", result.Error, StringComparison.Ordinal);
        var request = JsonSerializer.Deserialize(daemon.Bodies.Single(), ProtocolJsonContext.Default.AgentStartRequest)!;
        Assert.Equal(("cifar", null, "explorer", 900, 3, 2.5), (request.Lab, request.Kind, request.Role, request.IntervalSeconds, request.MaxTurns, request.BudgetUsd));
        Assert.Equal(["/bin/sh", "-c", "echo hi"], request.Command!);
        Assert.Equal((5, null), (request.MaxFailures, request.AllowDirty));
        Assert.InRange(request.Until!.Value, before.AddHours(8), DateTimeOffset.UtcNow.AddHours(8));
        Assert.StartsWith("POST /v1/agents HTTP/1.1", daemon.Requests.Single(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task Start_runs_claude_by_default_for_one_turn_and_prints_labds_record_with_o_json()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.Agents, new CannedResponse(201, "application/json", Record));

        var result = await InProcessLabctl.RunAsync(ct, "agent", "start", "--lab", "cifar", "-o", "json", "--socket", daemon.SocketPath);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(Record.Trim(), result.Out.Trim());
        var request = JsonSerializer.Deserialize(daemon.Bodies.Single(), ProtocolJsonContext.Default.AgentStartRequest)!;
        Assert.Equal(("claude", null, null, null), (request.Kind, request.Command, request.IntervalSeconds, request.Until));
    }

    [Fact(Timeout = 30000)]
    public async Task Ls_shows_turns_against_the_cap_cost_and_when_the_next_turn_starts()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.AgentsOf(null), CannedResponse.Json("[" + Record + "]"));

        var result = await InProcessLabctl.RunAsync(ct, "agent", "ls", "--socket", daemon.SocketPath);

        Assert.Equal(0, result.ExitCode);
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["ID", "LAB", "ROLE", "KIND", "STATUS", "TURNS", "FAILED", "COST", "NEXT"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["7", "cifar", "explorer", "custom", "running", "1/3", "1/3", "$0.50"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[..8]);
        Assert.Contains(" in ", lines[1], StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task Allow_dirty_is_sent_and_labds_warnings_go_to_stderr()
    {
        var ct = TestContext.Current.CancellationToken;
        var warned = Record.Replace("\"status\":\"running\",", "\"status\":\"running\",\"warnings\":[\"PROMPT.md differs between main's tip and the working tree\"],", StringComparison.Ordinal);
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.Agents, new CannedResponse(201, "application/json", warned));

        var result = await InProcessLabctl.RunAsync(ct, "agent", "start", "--lab", "cifar", "--allow-dirty", "--socket", daemon.SocketPath);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("7\n", result.Out);
        Assert.Contains("labctl: warning: PROMPT.md differs between main's tip and the working tree\n", result.Error, StringComparison.Ordinal);
        Assert.True(JsonSerializer.Deserialize(daemon.Bodies.Single(), ProtocolJsonContext.Default.AgentStartRequest)!.AllowDirty);
    }

    [Fact(Timeout = 30000)]
    public async Task Show_lists_worktree_branch_policy_tokens_and_recent_turns()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.Agent(7), CannedResponse.Json(Record));

        var result = await InProcessLabctl.RunAsync(ct, "agent", "show", "7", "--socket", daemon.SocketPath);

        Assert.Equal(0, result.ExitCode);
        foreach (var expected in (string[])["/var/lib/labd/labs/cifar/agents/7/worktree", "agent/7", "Policy", "1200 in, 300 out", "every 15m00s", "1/3", "2m05s", "succeeded", "Failed in a row  1/3 (ends the agent at 3)", "API Error: Invalid API key"])
        {
            Assert.Contains(expected, result.Out, StringComparison.Ordinal);
        }
    }

    [Fact(Timeout = 30000)]
    public async Task An_unknown_agent_exits_not_found()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.Agent(9), CannedResponse.Problem(404, "agent-not-found", "no agent 9"));

        var result = await InProcessLabctl.RunAsync(ct, "agent", "show", "9", "--socket", daemon.SocketPath);

        Assert.Equal(ExitCodes.NotFound, result.ExitCode);
        Assert.Contains("no agent 9", result.Error, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task Stop_sends_the_grace_and_reports_the_state_labd_answers()
    {
        var ct = TestContext.Current.CancellationToken;
        var stopped = Record.Replace("\"status\":\"running\"", "\"status\":\"stopped\"", StringComparison.Ordinal);
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.AgentStop(7), CannedResponse.Json(stopped));

        var result = await InProcessLabctl.RunAsync(ct, "agent", "stop", "7", "--grace", "1m", "--socket", daemon.SocketPath);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("Agent 7 is stopped\n", result.Out);
        Assert.Equal(60, JsonSerializer.Deserialize(daemon.Bodies.Single(), ProtocolJsonContext.Default.AgentStopRequest)!.GraceSeconds);
    }

    [Fact(Timeout = 30000)]
    public async Task Logs_print_each_lines_text_under_a_header_per_turn_and_raw_ndjson_with_o_json()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Ndjson = """
            {"turn":1,"line":"orienting"}
            {"turn":1,"line":"idea 3"}
            {"turn":2,"line":"again"}
            {"turn":2}
            not json at all

            """;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock"))
            .Answer(Routes.AgentLogs(7, follow: true, turn: null, tail: 20), new CannedResponse(200, "application/x-ndjson", Ndjson));

        var text = await InProcessLabctl.RunAsync(ct, "agent", "logs", "7", "-f", "--tail", "20", "--socket", daemon.SocketPath);
        var json = await InProcessLabctl.RunAsync(ct, "agent", "logs", "7", "-f", "--tail", "20", "-o", "json", "--socket", daemon.SocketPath);

        Assert.Equal(0, text.ExitCode);
        Assert.Equal("── turn 1 ──\norienting\nidea 3\n── turn 2 ──\nagain\n{\"turn\":2}\nnot json at all\n", text.Out);
        Assert.Equal(Ndjson, json.Out);
    }

    [Fact(Timeout = 30000)]
    public async Task The_help_of_agent_loop_teaches_with_examples()
    {
        var result = await InProcessLabctl.RunAsync(TestContext.Current.CancellationToken, "agent", "loop", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("labctl agent loop -d 15m", result.Out, StringComparison.Ordinal);
        foreach (var option in (string[])["--role", "--agent", "--agent-command", "--lab", "--max-turns", "--budget-usd", "--until", "-d"])
        {
            Assert.Contains(option, result.Out, StringComparison.Ordinal);
        }
    }
}
