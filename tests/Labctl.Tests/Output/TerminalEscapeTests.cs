using Labctl.Output;
using Labctl.Tests.Support;
using Labd.Protocol;

namespace Labctl.Tests.Output;

/// <summary>
/// Agent-written text (titles, notes, messages, commands, agent names, logs) must not reach the
/// operator's terminal as escape sequences: every view prints them escaped (host-side hardening,
/// issue 13 item 6). The negative controls: <c>-o json</c> and <c>--raw</c> keep the text as written.
/// </summary>
public sealed class TerminalEscapeTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string, string, string> Views => new()
    {
        { "idea ls", Routes.LabIdeas("cifar"), Hostile.Ideas },
        { "idea show 3", Routes.LabIdea("cifar", 3), Hostile.IdeaDetail },
        { "note ls", Routes.LabNotes("cifar"), Hostile.Notes },
        { "msg ls", Routes.LabMessages("cifar"), Hostile.Messages },
        { "leaderboard", Routes.LabLeaderboard("cifar"), Hostile.Leaderboard },
        { "exp ls", Routes.LabExperiments("cifar"), Hostile.Experiments },
        { "exp show 12", Routes.Experiment(12), Hostile.ExperimentDocument },
        { "agent ls", Routes.AgentsOf(null), Hostile.Agents },
        { "agent show 7", Routes.Agent(7), Hostile.AgentDocument },
        { "orient", Routes.LabOrient("cifar"), Hostile.Orientation },
        { "search evil", Routes.LabSearch("cifar", "evil"), Hostile.Search },
    };

    [Theory(Timeout = 30000)]
    [MemberData(nameof(Views))]
    public async Task Escape_sequences_in_agent_text_print_escaped_in_every_view(string command, string route, string document)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(route, CannedResponse.Json(document));
        string[] args = [.. command.Split(' '), .. command.StartsWith("agent", StringComparison.Ordinal) ? [] : (string[])["--lab", "cifar"], "--socket", daemon.SocketPath];

        var table = await InProcessLabctl.RunAsync(null, terminal: true, ct, args);
        var json = await InProcessLabctl.RunAsync(ct, [.. args, "-o", "json"]);

        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains(@"ok\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J", table.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(table.Out.Replace(Paint.Bold, "", StringComparison.Ordinal).Replace(Paint.Reset, "", StringComparison.Ordinal)
            .Replace(Paint.Red, "", StringComparison.Ordinal).Replace(Paint.Green, "", StringComparison.Ordinal), c => char.IsControl(c) && c != '\n');
        // Negative control: the JSON is labd's, escaped by JSON itself, and parses back to the hostile text.
        Assert.Equal(document + "\n", json.Out);
        var parsed = System.Text.Json.JsonDocument.Parse(json.Out).RootElement;
        Assert.Contains(Strings(parsed), text => text.Contains(Hostile.Text, StringComparison.Ordinal));
    }

    [Fact]
    public void A_cell_escapes_every_control_character_and_nothing_else()
    {
        Assert.Equal(Hostile.Escaped, TerminalText.Escape(Hostile.Text));
        Assert.Equal("tab\\there, é ü → ✓", TerminalText.Escape("tab\there, é ü → ✓"));
        Assert.Equal("a\\u202eb", TerminalText.Escape("a\u202eb"));
        Assert.Equal("line 1\nline\t2 \\x1b[2J", TerminalText.EscapeKeepingLines("line 1\nline\t2 \u001b[2J"));
    }

    [Theory(Timeout = 30000)]
    [InlineData("exp", "12")]
    [InlineData("runs", "r-12")]
    public async Task Experiment_and_run_logs_print_escaped_unless_raw_is_asked_for(string command, string id)
    {
        var ct = TestContext.Current.CancellationToken;
        var route = command == "exp" ? Routes.ExperimentLogs(12, follow: false) : Routes.RunLogs(id, follow: false);
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock"))
            .Answer(route, new CannedResponse(200, "text/plain; charset=utf-8", Hostile.Text + "\n"));

        var escaped = await InProcessLabctl.RunAsync(ct, command, "logs", id, "--socket", daemon.SocketPath);
        var raw = await InProcessLabctl.RunAsync(ct, command, "logs", id, "--raw", "--socket", daemon.SocketPath);

        Assert.Equal(0, escaped.ExitCode);
        Assert.Equal(@"ok\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\x1b]8;;http://evil\x1b\link\x9b31m" + "\nnext\\x7f\n", escaped.Out);
        Assert.Equal(Hostile.Text + "\n", raw.Out);
    }

    [Fact(Timeout = 30000)]
    public async Task Agent_logs_print_escaped_unless_raw_is_asked_for()
    {
        var ct = TestContext.Current.CancellationToken;
        var line = Hostile.Json(new AgentLogLine(1, "\u001b]52;c;eA==\u0007hi"), ProtocolJsonContext.Default.AgentLogLine);
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock"))
            .Answer(Routes.AgentLogs(7, false), new CannedResponse(200, "application/x-ndjson", line + "\n"));

        var escaped = await InProcessLabctl.RunAsync(ct, "agent", "logs", "7", "--socket", daemon.SocketPath);
        var raw = await InProcessLabctl.RunAsync(ct, "agent", "logs", "7", "--raw", "--socket", daemon.SocketPath);

        Assert.Equal("── turn 1 ──\n\\x1b]52;c;eA==\\x07hi\n", escaped.Out);
        Assert.Equal("── turn 1 ──\n\u001b]52;c;eA==\u0007hi\n", raw.Out);
    }

    private static IEnumerable<string> Strings(System.Text.Json.JsonElement element) => element.ValueKind switch
    {
        System.Text.Json.JsonValueKind.String => [element.GetString()!],
        System.Text.Json.JsonValueKind.Array => element.EnumerateArray().SelectMany(Strings),
        System.Text.Json.JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Strings(p.Value)),
        _ => [],
    };
}
