using Labd.Protocol;

namespace Labd.Tests.Tracker;

public sealed class OrientTests
{
    [Fact(Timeout = 30000)]
    public async Task Failures_show_once_per_reader_and_new_ones_show_next_time()
    {
        await using var db = await TrackerDb.OpenAsync();
        await db.AddLabAsync("lab", "/srv/lab");
        await db.AddIdeaAsync("lab", 1, "x");
        await db.AddExperimentAsync("lab", 1, "failed");
        await db.AddExperimentAsync("lab", 1, "timed_out");
        await db.AddExperimentAsync("lab", 1, "cancelled");
        var alice = TrackerDb.Agent("lab", "alice");
        var bob = TrackerDb.Agent("lab", "bob");

        var first = await db.Orient.OrientAsync(alice, "lab", TestContext.Current.CancellationToken);
        var second = await db.Orient.OrientAsync(alice, "lab", TestContext.Current.CancellationToken);
        var running = await db.AddExperimentAsync("lab", 1, "running");
        // The running experiment (an older id than nothing) fails after alice looked: it must still show.
        await db.ExecuteAsync("UPDATE experiments SET status = 'failed', ended_at = $at WHERE id = $id;", ("$id", running), ("$at", DateTimeOffset.UtcNow.AddSeconds(1).ToString("O")));
        var third = await db.Orient.OrientAsync(alice, "lab", TestContext.Current.CancellationToken);
        var bobs = await db.Orient.OrientAsync(bob, "lab", TestContext.Current.CancellationToken);

        Assert.Equal(["exp/1.2", "exp/1.1"], first.Failures.Select(f => f.Label));
        Assert.Empty(second.Failures);
        Assert.Equal(["exp/1.4"], third.Failures.Select(f => f.Label));
        Assert.Equal(3, bobs.Failures.Count);
    }

    [Fact(Timeout = 30000)]
    public async Task Orient_lists_active_and_suggested_ideas_work_in_flight_and_the_best_result()
    {
        await using var db = await TrackerDb.OpenAsync();
        await db.AddLabAsync("lab", "/srv/lab");
        await db.AddIdeaAsync("lab", 1, "one");
        await db.AddIdeaAsync("lab", 2, "two", "suggested");
        await db.AddIdeaAsync("lab", 3, "three", "concluded");
        await db.AddExperimentAsync("lab", 1, "succeeded", new Dictionary<string, double> { ["score"] = 0.3 });
        await db.AddExperimentAsync("lab", 3, "succeeded", new Dictionary<string, double> { ["score"] = 0.8 });
        await db.AddExperimentAsync("lab", 1, "running");
        await db.AddExperimentAsync("lab", 1, "queued");

        var o = await db.Orient.OrientAsync(TrackerDb.Owner, "lab", TestContext.Current.CancellationToken);

        Assert.Equal([(1, 0.3)], o.Active.Select(i => (i.Number, i.Best!.Value)));
        Assert.Equal([2], o.Suggested.Select(i => i.Number));
        Assert.Equal(["exp/1.2"], o.Running.Select(e => e.Label));
        Assert.Equal(["exp/1.3"], o.Queued.Select(e => e.Label));
        Assert.Equal("exp/3.1", o.Best!.Label);
    }

    [Fact(Timeout = 30000)]
    public async Task Unread_messages_depend_on_the_reader_and_are_read_once_shown()
    {
        await using var db = await TrackerDb.OpenAsync();
        await db.AddLabAsync("lab", "/srv/lab");
        var alice = TrackerDb.Agent("lab", "alice");
        var bob = TrackerDb.Agent("lab", "bob");
        await db.Messages.SendAsync(TrackerDb.Owner, "lab", new MessageSendRequest("hello everyone"), TestContext.Current.CancellationToken);
        await db.Messages.SendAsync(alice, "lab", new MessageSendRequest("bob, take GPU 1", "agent:bob"), TestContext.Current.CancellationToken);
        await db.Messages.SendAsync(bob, "lab", new MessageSendRequest("need a human", "user"), TestContext.Current.CancellationToken);

        var aliceOrient = await db.Orient.OrientAsync(alice, "lab", TestContext.Current.CancellationToken);
        var bobUnread = await db.Messages.ListAsync(bob, "lab", unreadOnly: true, TestContext.Current.CancellationToken);
        var ownerUnread = await db.Messages.ListAsync(TrackerDb.Owner, "lab", unreadOnly: true, TestContext.Current.CancellationToken);
        var aliceAgain = await db.Messages.ListAsync(alice, "lab", unreadOnly: true, TestContext.Current.CancellationToken);
        var bobAll = await db.Messages.ListAsync(bob, "lab", unreadOnly: false, TestContext.Current.CancellationToken);
        var ownerAll = await db.Messages.ListAsync(TrackerDb.Owner, "lab", unreadOnly: false, TestContext.Current.CancellationToken);

        Assert.Equal(["hello everyone"], aliceOrient.Unread.Select(m => m.Text));
        Assert.Equal(["hello everyone", "bob, take GPU 1"], bobUnread.Select(m => m.Text));
        Assert.Equal(["need a human"], ownerUnread.Select(m => m.Text));
        Assert.Empty(aliceAgain);
        Assert.All(bobAll, m => Assert.True(m.Read));
        Assert.Equal(3, ownerAll.Count);
    }
}
