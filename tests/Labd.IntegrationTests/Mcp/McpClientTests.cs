using System.Globalization;
using System.Text.Json;
using Labd.IntegrationTests.Daemon;
using Labd.IntegrationTests.Tracker;
using Labd.Protocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Root = Labd.IntegrationTests.Daemon.Root;

namespace Labd.IntegrationTests.Mcp;

/// <summary>
/// The MCP bar: the package's own client, over stdio, drives the real <c>labctl mcp</c>
/// (the Native AOT build when LABCTL_BIN names one) as a user of group labd against a real labd
/// with fake GPUs: list the tools, then orient → idea new → exp run → exp wait, the experiment
/// running in a real sandbox and reporting its score.
/// </summary>
public sealed class McpClientTests
{
    private const string User = TestAccounts.User;

    private const string PolicyYaml = """
        description: mcp test
        gpus: 2
        files:
          ${WORKTREE}: rw
        """;

    private static readonly string[] TrainCommand = ["sh", "train.sh"];
    private static readonly string[] BaselineTag = ["baseline"];

    [Fact(Timeout = 180_000)]
    public async Task An_mcp_client_orients_creates_an_idea_runs_and_waits_for_an_experiment()
    {
        var ct = TestContext.Current.CancellationToken;
        Root.Require("labd creates sandbox users and runs sandboxes as root; labctl mcp runs as a test user");
        await using var bed = await LabdBed.StartAsync(PolicyYaml, ct, fakeGpus: 2);
        var labd = bed.Labd;
        var repo = await TrackerBed.InitRepositoryAsync(User, bed.Dir["mcplab"], new Dictionary<string, string> { ["train.sh"] = "echo training\necho '{\"metrics\": {\"score\": 1}}'\n" }, ct);
        var (initExit, _, initError) = await TrackerBed.AsUserAsync(User, repo, LabctlPath, ["--socket", labd.SocketPath, "lab", "init", "--metric", "score:max"], ct);
        Assert.True(initExit == 0, $"lab init exited {initExit}: {initError}\n{labd.Output}");

        var (uid, gid) = await TestAccounts.IdsAsync(User, ct);
        var stderr = new List<string>();
        await using var client = await McpClient.CreateAsync(new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "labd",
            Command = "setpriv",
            Arguments = ["--reuid", uid.ToString(CultureInfo.InvariantCulture), "--regid", gid.ToString(CultureInfo.InvariantCulture), "--init-groups", LabctlPath, "mcp", "--socket", labd.SocketPath],
            WorkingDirectory = repo,
            EnvironmentVariables = new Dictionary<string, string?> { ["HOME"] = "/tmp", ["LABD_SOCKET"] = null, ["LAB_API_SOCKET"] = null },
            StandardErrorLines = line => { lock (stderr) { stderr.Add(line); } },
        }), cancellationToken: ct);

        var tools = await client.ListToolsAsync(cancellationToken: ct);
        Assert.Equal(
            ["lab_exp_logs", "lab_exp_run", "lab_exp_wait", "lab_exp_wait_any", "lab_guide", "lab_idea_conclude", "lab_idea_new", "lab_idea_note", "lab_leaderboard", "lab_msg_ls", "lab_msg_send", "lab_orient", "lab_search"],
            tools.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.All(tools, t => Assert.Equal("object", t.JsonSchema.GetProperty("type").GetString()));

        var orient = Json(await CallAsync(client, "lab_orient", [], stderr, labd, ct), ProtocolJsonContext.Default.Orientation);
        Assert.Equal(("mcplab", "score", "max"), (orient.Lab, orient.Metric, orient.Direction));
        Assert.Empty(orient.Active);

        var idea = Json(await CallAsync(client, "lab_idea_new", new() { ["title"] = "score one", ["description"] = "through MCP" }, stderr, labd, ct), ProtocolJsonContext.Default.IdeaRecord);
        Assert.Equal((1, "active", "idea/1", "score one"), (idea.Number, idea.Status, idea.Branch, idea.Title));

        var queued = Json(await CallAsync(client, "lab_exp_run", new() { ["idea"] = 1, ["command"] = TrainCommand, ["tags"] = BaselineTag }, stderr, labd, ct), ProtocolJsonContext.Default.ExperimentRecord);
        Assert.Equal(("exp/1.1", ExperimentRecord.Queued, "user:" + uid.ToString(CultureInfo.InvariantCulture)), (queued.Label, queued.Status, queued.Submitter));
        Assert.Equal(["sh", "train.sh"], queued.Command);

        var ended = Json(await CallAsync(client, "lab_exp_wait", new() { ["experiment"] = "exp/1.1", ["timeoutSeconds"] = 120 }, stderr, labd, ct), ProtocolJsonContext.Default.ExperimentRecord);
        Assert.True(ended.Status == ExperimentRecord.Succeeded, $"exp/1.1 {ended.Status}: {ended.Reason}\n{labd.Output}");
        Assert.Equal(queued.Id, ended.Id);
        Assert.Equal(new Dictionary<string, double> { ["score"] = 1 }, ended.Metrics);

        var logs = await CallAsync(client, "lab_exp_logs", new() { ["experiment"] = queued.Id.ToString(CultureInfo.InvariantCulture), ["tail"] = 1 }, stderr, labd, ct);
        Assert.Equal("""{"metrics": {"score": 1}}""", logs.Trim());
        var board = Json(await CallAsync(client, "lab_leaderboard", [], stderr, labd, ct), ProtocolJsonContext.Default.Leaderboard);
        Assert.Equal(["exp/1.1"], board.Entries.Select(e => e.Label));

        // labd's refusal is a tool error carrying its message; the server answers the next call.
        var refused = await client.CallToolAsync("lab_idea_conclude", new Dictionary<string, object?> { ["idea"] = 42, ["conclusion"] = "never existed" }, cancellationToken: ct);
        Assert.True(refused.IsError);
        Assert.Contains("42", Text(refused), StringComparison.Ordinal);
        Assert.EndsWith("-not-found)", Text(refused), StringComparison.Ordinal);
        Assert.Equal("mcplab", Json(await CallAsync(client, "lab_orient", [], stderr, labd, ct), ProtocolJsonContext.Default.Orientation).Lab);
    }

    /// <summary>The real labctl next to the tests, or the Native AOT build CI names in LABCTL_BIN.</summary>
    private static string LabctlPath =>
        Environment.GetEnvironmentVariable("LABCTL_BIN") is { Length: > 0 } aot ? aot : Path.Combine(AppContext.BaseDirectory, "labctl");

    private static async Task<string> CallAsync(McpClient client, string tool, Dictionary<string, object?> arguments, List<string> stderr, LabdProcess labd, CancellationToken cancellationToken)
    {
        var result = await client.CallToolAsync(tool, arguments, cancellationToken: cancellationToken);
        if (result.IsError == true)
        {
            string log;
            lock (stderr)
            {
                log = string.Join('\n', stderr);
            }
            Assert.Fail($"{tool} failed: {Text(result)}\nlabctl mcp stderr:\n{log}\n{labd.Output}");
        }
        return Text(result);
    }

    private static string Text(CallToolResult result) => Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;

    private static T Json<T>(string text, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        JsonSerializer.Deserialize(text, type) ?? throw new InvalidOperationException("null document: " + text);
}
