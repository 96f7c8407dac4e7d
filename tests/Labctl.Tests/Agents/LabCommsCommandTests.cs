using System.Text.Json;
using Labctl.Tests.Support;
using Labd.Protocol;

namespace Labctl.Tests.Agents;

/// <summary>msg wait, idea suggest, guide and orient's budget, against a canned labd.</summary>
public sealed class LabCommsCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 30000)]
    public async Task Msg_wait_prints_the_messages_that_came_and_exits_0()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.LabMessagesWait("cifar", 90),
            CannedResponse.Json("""[{"id":4,"sender":"user:1000","recipient":"role:explorer","text":"try mixup","at":"2026-11-24T10:00:00Z","read":false}]"""));

        var result = await InProcessLabctl.RunAsync(ct, "msg", "wait", "--timeout", "90s", "--lab", "cifar", "--socket", daemon.SocketPath);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("try mixup", result.Out, StringComparison.Ordinal);
        Assert.Contains("role:explorer", result.Out, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task Msg_wait_exits_124_when_none_came_in_time_and_waits_10_minutes_by_default()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.LabMessagesWait("cifar", 600), CannedResponse.Json("[]"));

        var result = await InProcessLabctl.RunAsync(ct, "msg", "wait", "--lab", "cifar", "--socket", daemon.SocketPath);

        Assert.Equal(ExitCodes.TimedOut, result.ExitCode);
        Assert.Equal(124, ExitCodes.TimedOut);
    }

    [Theory(Timeout = 30000)]
    [InlineData("2h")]
    [InlineData("soon")]
    public async Task Msg_wait_refuses_a_timeout_that_is_not_a_duration_up_to_an_hour(string timeout)
    {
        var result = await InProcessLabctl.RunAsync(TestContext.Current.CancellationToken, "msg", "wait", "--timeout", timeout, "--lab", "cifar", "--socket", _dir.Combine("none.sock"));

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--timeout", result.Error, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task Idea_suggest_creates_a_suggested_idea()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.LabIdeas("cifar"), new CannedResponse(201, "application/json",
            """{"number":5,"title":"label smoothing","description":"plateau","status":"suggested","parents":[],"branch":"idea/5","baseCommit":"abc","createdBy":"user:1000","createdAt":"2026-11-24T10:00:00Z","updatedAt":"2026-11-24T10:00:00Z"}"""));

        var result = await InProcessLabctl.RunAsync(ct, "idea", "suggest", "label smoothing", "--description", "plateau", "--lab", "cifar", "--socket", daemon.SocketPath);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("Idea 5 suggested: label smoothing\n", result.Out);
        var request = JsonSerializer.Deserialize(daemon.Bodies.Single(), ProtocolJsonContext.Default.IdeaNewRequest)!;
        Assert.Equal(("label smoothing", "plateau", true), (request.Title, request.Description, request.Suggest));
        Assert.Empty(request.Parents!);
    }

    [Fact(Timeout = 30000)]
    public async Task Guide_prints_labds_markdown_and_wraps_it_in_json_with_o_json()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Markdown = "# labd guide\n\nRun `labctl orient` first.\n";
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.Guide, new CannedResponse(200, "text/markdown; charset=utf-8", Markdown));

        var text = await InProcessLabctl.RunAsync(ct, "guide", "--socket", daemon.SocketPath);
        var json = await InProcessLabctl.RunAsync(ct, "guide", "-o", "json", "--socket", daemon.SocketPath);

        Assert.Equal((0, Markdown), (text.ExitCode, text.Out));
        Assert.Equal(Markdown, JsonDocument.Parse(json.Out).RootElement.GetProperty("guide").GetString());
    }

    [Fact(Timeout = 30000)]
    public async Task Orient_prints_the_budget_section_only_when_labd_sends_one()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Base = """{"lab":"cifar","metric":"score","direction":"max","active":[],"running":[],"queued":[],"failures":[],"unread":[],"suggested":[]""";
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock"))
            .Answer(Routes.LabOrient("cifar"), CannedResponse.Json(Base + ""","budget":{"agent":7,"turn":3,"turnsLeft":2,"usdLeft":1.25,"costUsd":3.75}}"""))
            .Answer(Routes.LabOrient("people"), CannedResponse.Json(Base.Replace("cifar", "people", StringComparison.Ordinal) + "}"));

        var agent = await InProcessLabctl.RunAsync(ct, "orient", "--lab", "cifar", "--socket", daemon.SocketPath);
        var person = await InProcessLabctl.RunAsync(ct, "orient", "--lab", "people", "--socket", daemon.SocketPath);

        Assert.Equal(0, agent.ExitCode);
        Assert.Contains("Budget:\n  agent 7, turn 3\n  turns left: 2\n  cost so far: $3.75, left: $1.25\n  until: no limit\n", agent.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("Budget", person.Out, StringComparison.Ordinal);
    }
}
