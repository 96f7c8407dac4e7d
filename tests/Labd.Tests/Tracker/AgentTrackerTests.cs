using System.Globalization;
using Labd.Protocol;

namespace Labd.Tests.Tracker;

/// <summary>What the tracker tells agents: role-addressed messages, msg wait, and their budget in orient.</summary>
public sealed class AgentTrackerTests
{
    [Fact(Timeout = 30000)]
    public async Task A_role_message_reaches_agents_of_that_role_only()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TrackerDb.OpenAsync();
        await db.AddLabAsync("lab", "/srv/lab");
        var explorer = TrackerDb.Agent("lab", "1", "explorer");
        var reviewer = TrackerDb.Agent("lab", "2", "reviewer");
        var roleless = TrackerDb.Agent("lab", "3");
        await db.Messages.SendAsync(TrackerDb.Owner, "lab", new MessageSendRequest("explorers: try mixup", "role:explorer"), ct);

        var explorerUnread = await db.Messages.ListAsync(explorer, "lab", unreadOnly: true, ct);
        var reviewerUnread = await db.Messages.ListAsync(reviewer, "lab", unreadOnly: true, ct);
        var reviewerAll = await db.Messages.ListAsync(reviewer, "lab", unreadOnly: false, ct);
        var rolelessOrient = await db.Orient.OrientAsync(roleless, "lab", ct);

        Assert.Equal(["explorers: try mixup"], explorerUnread.Select(m => m.Text));
        Assert.Empty(reviewerUnread);
        Assert.Empty(reviewerAll);
        Assert.Empty(rolelessOrient.Unread);
    }

    [Fact(Timeout = 30000)]
    public async Task Msg_wait_returns_when_a_message_to_the_caller_is_sent_and_marks_it_read()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TrackerDb.OpenAsync();
        await db.AddLabAsync("lab", "/srv/lab");
        var explorer = TrackerDb.Agent("lab", "1", "explorer");

        var waiting = db.Messages.WaitAsync(explorer, "lab", TimeSpan.FromMinutes(5), ct);
        // Messages not for it do not end the wait.
        await db.Messages.SendAsync(TrackerDb.Owner, "lab", new MessageSendRequest("reviewers only", "role:reviewer"), ct);
        await db.Messages.SendAsync(explorer, "lab", new MessageSendRequest("my own note", "all"), ct);
        await Task.Delay(200, ct);
        Assert.False(waiting.IsCompleted);
        await db.Messages.SendAsync(TrackerDb.Owner, "lab", new MessageSendRequest("go", "agent:1"), ct);
        var arrived = await waiting.WaitAsync(TimeSpan.FromSeconds(10), ct);
        var again = await db.Messages.ListAsync(explorer, "lab", unreadOnly: true, ct);

        Assert.Equal(["go"], arrived.Select(m => m.Text));
        Assert.Empty(again);
    }

    [Fact(Timeout = 30000)]
    public async Task Msg_wait_answers_at_once_with_unread_messages_and_empty_when_the_timeout_passes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TrackerDb.OpenAsync();
        await db.AddLabAsync("lab", "/srv/lab");
        var agent = TrackerDb.Agent("lab", "1");
        await db.Messages.SendAsync(TrackerDb.Owner, "lab", new MessageSendRequest("already here"), ct);

        var first = await db.Messages.WaitAsync(agent, "lab", TimeSpan.FromMinutes(5), ct);
        var started = DateTimeOffset.UtcNow;
        var second = await db.Messages.WaitAsync(agent, "lab", TimeSpan.FromMilliseconds(300), ct);

        Assert.Equal(["already here"], first.Select(m => m.Text));
        Assert.Empty(second);
        Assert.True(DateTimeOffset.UtcNow - started >= TimeSpan.FromMilliseconds(250));
    }

    [Fact(Timeout = 30000)]
    public async Task Orient_tells_an_agent_its_turn_and_what_its_caps_leave()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TrackerDb.OpenAsync();
        await db.AddLabAsync("lab", "/srv/lab");
        var until = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
        var capped = await db.AddAgentAsync("lab", "explorer", turns: 3, costUsd: 1.5, maxTurns: 10, budgetUsd: 4, until);
        var free = await db.AddAgentAsync("lab", "explorer", turns: 0, costUsd: 0, maxTurns: null, budgetUsd: null, until: null);
        var overspent = await db.AddAgentAsync("lab", "explorer", turns: 5, costUsd: 9, maxTurns: 4, budgetUsd: 5, until: null);
        var oneTurn = await db.AddAgentAsync("lab", "explorer", turns: 1, costUsd: 0, maxTurns: null, budgetUsd: null, until: null, intervalSeconds: null);
        await db.ExecuteAsync("INSERT INTO agent_turns (agent, number, status, started_at) VALUES ($a, 4, 'running', '2026-01-01T00:00:00Z');", ("$a", capped));

        var b = (await db.Orient.OrientAsync(TrackerDb.Agent("lab", Id(capped)), "lab", ct)).Budget;
        var f = (await db.Orient.OrientAsync(TrackerDb.Agent("lab", Id(free)), "lab", ct)).Budget;
        var o = (await db.Orient.OrientAsync(TrackerDb.Agent("lab", Id(overspent)), "lab", ct)).Budget;
        var one = (await db.Orient.OrientAsync(TrackerDb.Agent("lab", Id(oneTurn)), "lab", ct)).Budget;

        Assert.Equal(new AgentBudget(capped, 4, 7, 2.5, 1.5, until), b);
        Assert.Equal(new AgentBudget(free, 0, null, null, 0, null), f);
        Assert.Equal((0, 0.0), (o!.TurnsLeft, o.UsdLeft));
        Assert.Equal((1, 0), (one!.Turn, one.TurnsLeft));
    }

    [Fact(Timeout = 30000)]
    public async Task Orient_has_no_budget_for_people_nor_for_an_agent_of_another_lab()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TrackerDb.OpenAsync();
        await db.AddLabAsync("lab", "/srv/lab");
        await db.AddLabAsync("other", "/srv/other");
        var elsewhere = await db.AddAgentAsync("other", "explorer", turns: 1, costUsd: 1, maxTurns: 5, budgetUsd: 5, until: null);

        var person = await db.Orient.OrientAsync(TrackerDb.Owner, "lab", ct);
        var stranger = await db.Orient.OrientAsync(TrackerDb.Agent("lab", Id(elsewhere)), "lab", ct);
        var itsOwn = await db.Orient.OrientAsync(TrackerDb.Agent("other", Id(elsewhere)), "other", ct);

        Assert.Null(person.Budget);
        Assert.Null(stranger.Budget);
        Assert.NotNull(itsOwn.Budget);
    }

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}
