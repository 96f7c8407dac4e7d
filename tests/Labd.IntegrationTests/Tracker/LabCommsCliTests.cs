using System.Text.Json;
using Labd.IntegrationTests.Daemon;
using Labd.Protocol;

namespace Labd.IntegrationTests.Tracker;

/// <summary>labctl guide, idea suggest and msg wait against a real labd, as users.</summary>
public sealed class LabCommsCliTests
{
    private const string User = TestAccounts.User;

    [Fact(Timeout = 120000)]
    public async Task Guide_serves_labds_agent_guide_as_markdown()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await TrackerBed.StartAsync(ct);

        var guide = await bed.LabctlOkAsync(User, bed.Dir.Path, ct, "guide");
        var json = JsonDocument.Parse(await bed.LabctlOkAsync(User, bed.Dir.Path, ct, "guide", "-o", "json"));

        Assert.StartsWith("# labd guide for agents", guide, StringComparison.Ordinal);
        Assert.Contains("labctl msg wait", guide, StringComparison.Ordinal);
        Assert.Equal(guide, json.RootElement.GetProperty("guide").GetString());
    }

    [Fact(Timeout = 120000)]
    public async Task A_suggested_idea_shows_in_orient_until_it_is_activated()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await TrackerBed.StartAsync(ct);
        var repo = await bed.MakeRepositoryAsync(User, "demo", ct);
        await bed.LabctlOkAsync(User, repo, ct, "lab", "init");

        Assert.Equal("Idea 1 suggested: label smoothing\n", await bed.LabctlOkAsync(User, repo, ct, "idea", "suggest", "label smoothing", "--description", "val loss plateaus"));
        var orient = JsonSerializer.Deserialize(await bed.LabctlOkAsync(User, repo, ct, "orient", "-o", "json"), ProtocolJsonContext.Default.Orientation)!;
        var idea = JsonSerializer.Deserialize(await bed.LabctlOkAsync(User, repo, ct, "idea", "show", "1", "-o", "json"), ProtocolJsonContext.Default.IdeaDetail)!;
        await bed.LabctlOkAsync(User, repo, ct, "idea", "activate", "1");
        var after = JsonSerializer.Deserialize(await bed.LabctlOkAsync(User, repo, ct, "orient", "-o", "json"), ProtocolJsonContext.Default.Orientation)!;

        Assert.Equal([(1, "label smoothing")], orient.Suggested.Select(i => (i.Number, i.Title)));
        Assert.Equal(("suggested", "val loss plateaus"), (idea.Idea.Status, idea.Idea.Description));
        Assert.Empty(after.Suggested);
        Assert.Equal([1], after.Active.Select(i => i.Number));
        Assert.Null(after.Budget);
    }

    [Fact(Timeout = 120000)]
    public async Task Msg_wait_returns_the_message_sent_to_the_caller_and_times_out_with_124()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await TrackerBed.StartAsync(ct);
        var repo = await bed.MakeRepositoryAsync(User, "demo", ct);
        await bed.LabctlOkAsync(User, repo, ct, "lab", "init");

        var timedOut = await bed.LabctlAsync(User, repo, ct, "msg", "wait", "--timeout", "1s");
        var waiting = bed.LabctlAsync(User, repo, ct, "msg", "wait", "--timeout", "60s", "-o", "json");
        // An admin writes to the lab's people; the user's own messages never end its wait.
        await bed.LabctlOkAsync(User, repo, ct, "msg", "send", "note to self", "--to", "user");
        await bed.LabctlOkAsync(TestAccounts.Admin, bed.Dir.Path, ct, "msg", "send", "--lab", "demo", "--to", "user", "the cluster goes down at 18:00");
        var (exit, stdout, stderr) = await waiting.WaitAsync(TimeSpan.FromSeconds(30), ct);
        var unread = JsonSerializer.Deserialize(await bed.LabctlOkAsync(User, repo, ct, "msg", "ls", "--unread", "-o", "json"), ProtocolJsonContext.Default.IReadOnlyListMessageRecord)!;

        Assert.Equal(124, timedOut.ExitCode);
        Assert.True(exit == 0, $"msg wait exited {exit}: {stdout}\n{stderr}");
        Assert.Equal(["the cluster goes down at 18:00"], JsonSerializer.Deserialize(stdout, ProtocolJsonContext.Default.IReadOnlyListMessageRecord)!.Select(m => m.Text));
        Assert.Empty(unread);
    }
}
