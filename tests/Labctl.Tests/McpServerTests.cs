using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Labctl.Tests.Support;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Labctl.Tests;

/// <summary>
/// <c>labctl mcp</c> as an MCP client sees it, through the real executable (the Native AOT build
/// when LABCTL_BIN names one): stdout carries protocol frames only, the lab comes from the agent's
/// socket, and labd's problems come back as tool errors while the server lives on.
/// </summary>
public sealed class McpServerTests : IDisposable
{
    private const string Orientation = """
        {
          "lab": "cifar", "metric": "score", "direction": "max",
          "active": [], "running": [], "queued": [], "best": null,
          "failures": [], "unread": [], "suggested": []
        }
        """;

    private static readonly string[] ToolNames =
    [
        "lab_orient", "lab_leaderboard", "lab_search", "lab_idea_new", "lab_idea_note", "lab_idea_conclude",
        "lab_exp_run", "lab_exp_wait", "lab_exp_wait_any", "lab_exp_logs", "lab_msg_send", "lab_msg_ls", "lab_guide",
    ];

    private static readonly string[] TrueCommand = ["true"];
    private static readonly string[] TrainCommand = ["python3", "train.py"];
    private static readonly string[] TwoTags = ["a", "b"];

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 60000)]
    public async Task Stdout_carries_only_json_rpc_frames_and_diagnostics_go_to_stderr()
    {
        var ct = TestContext.Current.CancellationToken;
        var info = new ProcessStartInfo(LabctlBinary.Path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var arg in (string[])["mcp", "--socket", _dir.Combine("none.sock")])
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["DOTNET_ROOT"] = DotnetRoot;
        info.Environment.Remove("LABD_SOCKET");
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync(ct);
        string[] requests =
        [
            """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"0"}}}""",
            """{"jsonrpc":"2.0","method":"notifications/initialized"}""",
            """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""",
            """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"lab_orient","arguments":{}}}""",
            """{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"lab_exp_run","arguments":{"idea":1}}}""",
        ];
        foreach (var request in requests)
        {
            await process.StandardInput.WriteLineAsync(request.AsMemory(), ct);
        }
        await process.StandardInput.FlushAsync(ct);

        // Every stdout line is a JSON-RPC frame; once the four answers are in, closing stdin ends the server.
        var frames = new Dictionary<int, JsonElement>();
        while (frames.Count < 4 && await process.StandardOutput.ReadLineAsync(ct) is { } line)
        {
            var frame = Frame(line);
            frames[frame.GetProperty("id").GetInt32()] = frame;
        }
        process.StandardInput.Close();
        var rest = await process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        var error = await stderr;

        Assert.All(rest.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Frame(line));
        Assert.Equal(0, process.ExitCode);
        Assert.Equal([1, 2, 3, 4], frames.Keys.Order());
        Assert.Equal("labd", frames[1].GetProperty("result").GetProperty("serverInfo").GetProperty("name").GetString());
        Assert.Equal(ToolNames.Order(), frames[2].GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).Order());
        var orient = frames[3].GetProperty("result");
        Assert.True(orient.GetProperty("isError").GetBoolean());
        Assert.StartsWith("no socket at " + _dir.Combine("none.sock"), orient.GetProperty("content")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        var run = frames[4].GetProperty("result");
        Assert.True(run.GetProperty("isError").GetBoolean());
        Assert.Contains("'command' is required", run.GetProperty("content")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("labctl mcp: lab_orient: no socket at", error, StringComparison.Ordinal);
        Assert.Contains("labctl mcp: lab_exp_run: 'command' is required", error, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task On_an_agent_socket_the_lab_is_the_agents_and_problems_are_tool_errors()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("api.sock"))
            .Answer("/v1/self", CannedResponse.Json("""{"kind":"agent","uid":61234,"userName":null,"lab":"cifar","agent":"7","run":null}"""))
            .Answer("/v1/labs/cifar/orient", CannedResponse.Json(Orientation))
            .Answer("/v1/labs/cifar/ideas/9/conclude", CannedResponse.Problem(404, "idea-not-found", "idea 9 not found in lab 'cifar'; `labctl idea ls` lists them"));
        await using var client = await AgentMcpAsync(daemon, ct);

        var orient = await client.CallToolAsync("lab_orient", cancellationToken: ct);
        var conclude = await client.CallToolAsync("lab_idea_conclude", new Dictionary<string, object?> { ["idea"] = 9, ["conclusion"] = "nothing" }, cancellationToken: ct);
        var guide = await client.CallToolAsync("lab_guide", cancellationToken: ct);
        var again = await client.CallToolAsync("lab_orient", cancellationToken: ct);

        Assert.NotEqual(true, orient.IsError);
        Assert.Equal(JsonDocument.Parse(Orientation).RootElement.GetRawText().Replace("\n", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal), Text(orient));
        Assert.True(conclude.IsError);
        Assert.Equal("idea 9 not found in lab 'cifar'; `labctl idea ls` lists them (idea-not-found)", Text(conclude));
        Assert.True(guide.IsError);
        Assert.Contains("this labd serves no agent guide", Text(guide), StringComparison.Ordinal);
        Assert.Equal(Text(orient), Text(again));
        // The lab came from /v1/self, once; never from the directory (an agent's socket does not serve /v1/labs/resolve).
        var paths = daemon.Requests.Select(r => r.Split(' ')[1]).ToList();
        Assert.Equal(1, paths.Count(p => p == "/v1/self"));
        Assert.DoesNotContain(paths, p => p.StartsWith("/v1/labs/resolve", StringComparison.Ordinal));
        Assert.Equal(2, paths.Count(p => p == "/v1/labs/cifar/orient"));
    }

    [Fact(Timeout = 60000)]
    public async Task Lab_exp_run_can_allow_a_duplicate_and_a_refused_duplicate_names_the_tools_own_argument()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("api.sock"))
            .Answer("/v1/self", CannedResponse.Json("""{"kind":"agent","uid":61234,"userName":null,"lab":"cifar","agent":"7","run":null}"""))
            .Answer("/v1/labs/cifar/experiments", CannedResponse.Problem(409, "conflict",
                "the same commit, command and meta were already submitted as exp/3.1 (id 7, succeeded); see `labctl exp show exp/3.1`, or pass --allow-duplicate to run it anyway"));
        await using var client = await AgentMcpAsync(daemon, ct);

        var refused = await client.CallToolAsync("lab_exp_run", new Dictionary<string, object?> { ["idea"] = 3, ["command"] = TrueCommand }, cancellationToken: ct);
        var again = await client.CallToolAsync("lab_exp_run", new Dictionary<string, object?> { ["idea"] = 3, ["command"] = TrueCommand, ["allowDuplicate"] = true }, cancellationToken: ct);

        Assert.True(refused.IsError);
        Assert.Contains("pass allowDuplicate: true to run it anyway", Text(refused), StringComparison.Ordinal);
        Assert.DoesNotContain("--allow-duplicate", Text(refused), StringComparison.Ordinal);
        var bodies = daemon.Bodies.Where(b => b.Contains("\"idea\"", StringComparison.Ordinal)).Select(b => JsonDocument.Parse(b).RootElement).ToList();
        Assert.Equal(2, bodies.Count);
        Assert.False(bodies[0].TryGetProperty("allowDuplicate", out var first) && first.ValueKind == JsonValueKind.True);
        Assert.True(bodies[1].GetProperty("allowDuplicate").GetBoolean());
        _ = again;
    }

    [Fact(Timeout = 60000)]
    public async Task Lab_exp_run_sends_every_field_that_labctl_exp_run_sends()
    {
        // Both build the request in one place (ExperimentSubmission); the tool had lost priority.
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("api.sock"))
            .Answer("/v1/self", CannedResponse.Json("""{"kind":"agent","uid":61234,"userName":null,"lab":"cifar","agent":"7","run":null}"""))
            .Answer("/v1/labs/cifar/experiments", new CannedResponse(201, "application/json", Hostile.ExperimentDocument));
        await using (var client = await AgentMcpAsync(daemon, ct))
        {
            var called = await client.CallToolAsync("lab_exp_run", new Dictionary<string, object?>
            {
                ["idea"] = 3,
                ["command"] = TrainCommand,
                ["gpus"] = 1,
                ["timeoutSeconds"] = 90,
                ["tags"] = TwoTags,
                ["meta"] = new Dictionary<string, string> { ["lr"] = "0.1" },
                ["priority"] = 5,
                ["allowDuplicate"] = true,
            }, cancellationToken: ct);
            Assert.True(called.IsError is not true, Text(called));
        }
        var cli = await InProcessLabctl.RunAsync(ct, "exp", "run", "--idea", "3", "--lab", "cifar", "--socket", daemon.SocketPath,
            "--gpus", "1", "--timeout", "90s", "--tag", "a", "--tag", "b", "--meta", "lr=0.1", "--priority", "5", "--allow-duplicate", "--", "python3", "train.py");
        Assert.True(cli.ExitCode == 0, cli.ToString());

        var bodies = daemon.Bodies.Where(b => b.Contains("\"idea\"", StringComparison.Ordinal))
            .Select(b => JsonSerializer.Deserialize(b, Labd.Protocol.ProtocolJsonContext.Default.ExperimentSubmitRequest)!).ToList();
        Assert.Equal(2, bodies.Count);
        var (tool, command) = (bodies[0], bodies[1]);
        Assert.Equal("/", tool.SourceDirectory);
        Assert.Equal(5, tool.Priority);
        Assert.True(tool.AllowDuplicate);
        Assert.Equal(
            JsonSerializer.Serialize(command with { SourceDirectory = "/" }, Labd.Protocol.ProtocolJsonContext.Default.ExperimentSubmitRequest),
            JsonSerializer.Serialize(tool, Labd.Protocol.ProtocolJsonContext.Default.ExperimentSubmitRequest));
    }

    [Fact(Timeout = 60000)]
    public async Task An_experiment_that_is_neither_an_id_nor_a_label_is_refused_before_labd_is_asked()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("api.sock"))
            .Answer("/v1/self", CannedResponse.Json("""{"kind":"agent","uid":61234,"userName":null,"lab":"cifar","agent":"7","run":null}"""));
        await using var client = await AgentMcpAsync(daemon, ct);

        var refused = await client.CallToolAsync("lab_exp_wait", new Dictionary<string, object?> { ["experiment"] = "exp/3" }, cancellationToken: ct);

        Assert.True(refused.IsError);
        Assert.Equal("'exp/3' is not an experiment label; write exp/IDEA.SEQ like exp/3.2, or the numeric id", Text(refused));
        Assert.DoesNotContain(daemon.Requests, r => r.Contains("/experiments", StringComparison.Ordinal));
    }

    [Fact(Timeout = 30000)]
    public async Task Mcp_help_teaches_how_to_attach_it_and_stays_one_line_in_the_command_list()
    {
        var ct = TestContext.Current.CancellationToken;

        var help = await LabctlBinary.RunAsync(new Dictionary<string, string>(), ct, "mcp", "--help");
        var root = await LabctlBinary.RunAsync(new Dictionary<string, string>(), ct, "--help");

        Assert.Equal(0, help.ExitCode);
        Assert.Contains("""{"mcpServers": {"labd": {"command": "labctl", "args": ["mcp"]}}}""", help.Out, StringComparison.Ordinal);
        Assert.Contains("claude --mcp-config", help.Out, StringComparison.Ordinal);
        Assert.Contains("[mcp_servers.labd]", help.Out, StringComparison.Ordinal);
        var line = Assert.Single(root.Out.Split('\n'), l => l.StartsWith("  mcp ", StringComparison.Ordinal));
        var next = root.Out.Split('\n').SkipWhile(l => l != line).Skip(1).First();
        Assert.False(next.StartsWith("    ", StringComparison.Ordinal), "the mcp description spills over lines in labctl --help: " + next);
        Assert.DoesNotContain("mcp_servers", root.Out, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task The_try_it_by_hand_line_of_the_help_prints_the_answers_of_everything_piped_in()
    {
        var ct = TestContext.Current.CancellationToken;
        var help = await LabctlBinary.RunAsync(new Dictionary<string, string>(), ct, "mcp", "--help");
        var oneLiner = Assert.Single(help.Out.Split('\n'), l => l.Contains("| labctl mcp", StringComparison.Ordinal)).Trim();
        // The help's own line, and the same pipe carrying a tool call too: stdin ends before either is answered.
        var withCall = oneLiner.Replace("' | labctl mcp",
            "' '{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"lab_orient\",\"arguments\":{}}}' | labctl mcp", StringComparison.Ordinal);
        var bin = _dir.Combine("bin");
        Directory.CreateDirectory(bin);
        File.CreateSymbolicLink(Path.Join(bin, "labctl"), LabctlBinary.Path);

        var alone = await ShellAsync(oneLiner, bin, ct);
        var both = await ShellAsync(withCall, bin, ct);

        Assert.Equal(0, alone.ExitCode);
        var answer = Frame(Assert.Single(alone.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal("labd", answer.GetProperty("result").GetProperty("serverInfo").GetProperty("name").GetString());
        Assert.Equal(0, both.ExitCode);
        var frames = both.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Frame).ToDictionary(f => f.GetProperty("id").GetInt32());
        Assert.Equal([1, 2], frames.Keys.Order());
        Assert.True(frames[2].GetProperty("result").GetProperty("isError").GetBoolean());
        Assert.StartsWith("no socket at " + _dir.Combine("none.sock"), frames[2].GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    private async Task<CliResult> ShellAsync(string line, string bin, CancellationToken ct)
    {
        var info = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = "/" };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(line);
        info.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        info.Environment["DOTNET_ROOT"] = DotnetRoot;
        info.Environment["LABD_SOCKET"] = _dir.Combine("none.sock");
        info.Environment.Remove("LAB_API_SOCKET");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    private static JsonElement Frame(string line)
    {
        using var document = JsonDocument.Parse(line);
        Assert.Equal("2.0", document.RootElement.GetProperty("jsonrpc").GetString());
        return document.RootElement.Clone();
    }

    private static string Text(CallToolResult result) => Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;

    private static string DotnetRoot => Path.GetFullPath(Path.Join(RuntimeEnvironment.GetRuntimeDirectory(), "../../.."));

    /// <summary><c>labctl mcp</c> as an agent runs it: on the sandbox's API socket (here the fake daemon's).</summary>
    private static Task<McpClient> AgentMcpAsync(FakeDaemon daemon, CancellationToken ct) =>
        McpClient.CreateAsync(new StdioClientTransport(new StdioClientTransportOptions
        {
            Command = LabctlBinary.Path,
            Arguments = ["mcp"],
            WorkingDirectory = "/",
            EnvironmentVariables = new Dictionary<string, string?> { ["LAB_API_SOCKET"] = daemon.SocketPath, ["LABD_SOCKET"] = null, ["DOTNET_ROOT"] = DotnetRoot },
        }), cancellationToken: ct);
}
