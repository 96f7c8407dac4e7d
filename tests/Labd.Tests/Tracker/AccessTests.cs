using Labd.Protocol;

namespace Labd.Tests.Tracker;

public sealed class AccessTests
{
    [Fact(Timeout = 30000)]
    public async Task Other_users_and_agents_of_other_labs_see_no_such_lab()
    {
        await using var db = await TrackerDb.OpenAsync();
        await db.AddLabAsync("lab", "/srv/lab");
        await db.AddLabAsync("mine", "/srv/mine", ownerUid: 1001);

        var stranger = await Assert.ThrowsAsync<LabdException>(() => db.Notes.ListAsync(TrackerDb.Stranger, "lab", null, null, TestContext.Current.CancellationToken));
        var agent = await Assert.ThrowsAsync<LabdException>(() => db.Notes.ListAsync(TrackerDb.Agent("mine", "a"), "lab", null, null, TestContext.Current.CancellationToken));
        var listed = await db.Labs.ListAsync(TrackerDb.Stranger, TestContext.Current.CancellationToken);
        var all = await db.Labs.ListAsync(TrackerDb.Admin, TestContext.Current.CancellationToken);

        Assert.Equal(ErrorCode.LabNotFound, stranger.Code);
        Assert.Equal(ErrorCode.LabNotFound, agent.Code);
        Assert.Equal(["mine"], listed.Select(l => l.Id));
        Assert.Equal(["lab", "mine"], all.Select(l => l.Id));
    }

    [Fact(Timeout = 30000)]
    public async Task Agents_write_notes_in_their_lab_but_cannot_change_its_settings()
    {
        await using var db = await TrackerDb.OpenAsync();
        await db.AddLabAsync("lab", "/srv/lab");
        var agent = TrackerDb.Agent("lab", "a");

        var note = await db.Notes.AddAsync(agent, "lab", new NoteAddRequest("seen"), TestContext.Current.CancellationToken);
        var rm = await Assert.ThrowsAsync<LabdException>(() => db.Labs.RemoveAsync(agent, "lab", TestContext.Current.CancellationToken));
        var metric = await Assert.ThrowsAsync<LabdException>(() => db.Labs.SetMetricAsync(agent, "lab", new LabMetricRequest("loss", "min"), TestContext.Current.CancellationToken));

        Assert.Equal("agent:a", note.Author);
        Assert.Equal(ErrorCode.Forbidden, rm.Code);
        Assert.Equal(ErrorCode.Forbidden, metric.Code);
    }

    [Fact(Timeout = 30000)]
    public async Task Resolve_picks_the_longest_lab_path_on_a_component_boundary_and_labd_worktrees()
    {
        await using var db = await TrackerDb.OpenAsync();
        await db.AddLabAsync("outer", "/srv/lab");
        await db.AddLabAsync("inner", "/srv/lab/sub");

        Assert.Equal("outer", (await db.Labs.ResolveAsync(TrackerDb.Owner, "/srv/lab/src/", TestContext.Current.CancellationToken)).Id);
        Assert.Equal("inner", (await db.Labs.ResolveAsync(TrackerDb.Owner, "/srv/lab/sub/x", TestContext.Current.CancellationToken)).Id);
        Assert.Equal("inner", (await db.Labs.ResolveAsync(TrackerDb.Owner, db.Options.LabDirectory("inner") + "/worktrees/3", TestContext.Current.CancellationToken)).Id);
        var e = await Assert.ThrowsAsync<LabdException>(() => db.Labs.ResolveAsync(TrackerDb.Owner, "/srv/lab2", TestContext.Current.CancellationToken));
        Assert.Equal(ErrorCode.LabNotFound, e.Code);
        Assert.Contains("labctl lab init PATH", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<LabdException>(() => db.Labs.ResolveAsync(TrackerDb.Stranger, "/srv/lab", TestContext.Current.CancellationToken));
    }

    [Fact(Timeout = 30000)]
    public async Task Idea_transitions_follow_the_allowed_graph_and_refuse_the_rest()
    {
        await using var db = await TrackerDb.OpenAsync();
        await db.AddLabAsync("lab", "/srv/lab");
        await db.AddIdeaAsync("lab", 1, "x", "suggested");

        var conclude = await Assert.ThrowsAsync<LabdException>(() => db.Ideas.TransitionAsync(TrackerDb.Owner, "lab", 1, "conclude", "done", TestContext.Current.CancellationToken));
        var active = await db.Ideas.TransitionAsync(TrackerDb.Owner, "lab", 1, "activate", null, TestContext.Current.CancellationToken);
        var noText = await Assert.ThrowsAsync<LabdException>(() => db.Ideas.TransitionAsync(TrackerDb.Owner, "lab", 1, "conclude", " ", TestContext.Current.CancellationToken));
        var concluded = await db.Ideas.TransitionAsync(TrackerDb.Owner, "lab", 1, "conclude", "warmup is worth 0.4%", TestContext.Current.CancellationToken);
        var reopened = await db.Ideas.TransitionAsync(TrackerDb.Owner, "lab", 1, "reopen", null, TestContext.Current.CancellationToken);
        var hits = await db.Search.SearchAsync(TrackerDb.Owner, "lab", "worth", null, TestContext.Current.CancellationToken);

        Assert.Equal(ErrorCode.Conflict, conclude.Code);
        Assert.Contains("activate, abandon", conclude.Message, StringComparison.Ordinal);
        Assert.Equal("active", active.Status);
        Assert.Equal(ErrorCode.BadRequest, noText.Code);
        Assert.Equal(("concluded", "warmup is worth 0.4%"), (concluded.Status, concluded.Conclusion));
        Assert.Equal("active", reopened.Status);
        Assert.Equal([("idea", "1")], hits.Select(h => (h.Kind, h.Ref)));
    }
}
