using Labctl.Tests.Support;

namespace Labctl.Tests;

/// <summary><c>labctl events</c>: a table (agents' text escaped) or one JSON object per line; a stream
/// labd ends early says why and the <c>--since</c> to resume with, without a stack trace.</summary>
public sealed class EventsCommandTests : IDisposable
{
    private const string Stream = """
        id: 4
        data: {"id":4,"at":"2026-01-01T00:00:00Z","kind":"exp.end","lab":"cifar","subject":"7","actor":"labd","data":{"label":"exp/3.1","status":"succeeded","metrics":{"score":0.5},"durationSeconds":90,"gpus":[0,1]}}

        id: 5
        data: {"id":5,"at":"2026-01-01T00:00:01Z","kind":"note.add","lab":"cifar","subject":"lab/cifar","actor":"agent","actorUid":1500,"data":{"text":"\u001b]0;pwned\u0007 seen"}}


        """;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 60000)]
    public async Task Events_print_as_a_table_with_agent_text_escaped_or_as_one_json_object_per_line()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("api.sock"))
            .Answer("/v1/events", new CannedResponse(200, "text/event-stream", Stream));
        var environment = new Dictionary<string, string> { ["LABD_SOCKET"] = daemon.SocketPath };

        var table = await LabctlBinary.RunAsync(environment, ct, "events");
        var json = await LabctlBinary.RunAsync(environment, ct, "events", "-o", "json");

        Assert.Equal(0, table.ExitCode);
        Assert.Contains("exp.end", table.Out, StringComparison.Ordinal);
        Assert.Contains("exp/3.1 succeeded score=0.5 1m30s gpus 0,1", table.Out, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', table.Out);
        Assert.Contains("pwned", table.Out, StringComparison.Ordinal);
        Assert.Equal(0, json.ExitCode);
        var lines = json.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("{\"id\":4,", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("{\"id\":5,", lines[1], StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task A_stream_that_labd_ends_says_why_and_where_to_resume()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("api.sock"))
            .Answer("/v1/events?follow=true", new CannedResponse(200, "text/event-stream", Stream + """
                event: end
                data: {"reason":"labd is shutting down","lastId":5}


                """));
        var environment = new Dictionary<string, string> { ["LABD_SOCKET"] = daemon.SocketPath };

        var followed = await LabctlBinary.RunAsync(environment, ct, "events", "-f");

        Assert.NotEqual(0, followed.ExitCode);
        Assert.Contains("exp/3.1", followed.Out, StringComparison.Ordinal);
        Assert.Contains("labd is shutting down; resume with `labctl events -f --since 5`", followed.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", followed.Error, StringComparison.Ordinal);
    }
}
