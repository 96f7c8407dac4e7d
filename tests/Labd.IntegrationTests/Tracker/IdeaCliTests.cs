using System.Text.Json;
using System.Text.Json.Nodes;
using Labd.IntegrationTests.Daemon;
using Labd.Protocol;

namespace Labd.IntegrationTests.Tracker;

/// <summary>Ideas as branches, notes, messages, search and the leaderboard, through the real labctl as a user.</summary>
public sealed class IdeaCliTests
{
    private const string User = TestAccounts.User;

    [Fact(Timeout = 240000)]
    public async Task Ideas_merge_parents_refuse_conflicts_and_move_through_their_statuses()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await TrackerBed.StartAsync(ct);
        var repo = await bed.MakeRepositoryAsync(User, "demo", ct);
        await bed.LabctlOkAsync(User, repo, ct, "lab", "init");
        var main = await TrackerBed.GitAsync(User, repo, ct, "rev-parse", "main");

        await bed.LabctlOkAsync(User, repo, ct, "idea", "new", "lower lr");
        await TrackerBed.CommitOnAsync(User, repo, "idea/1", "config.txt", "lr = 0.01", ct);
        // HEAD is on idea/1 now: a root idea must still start at main.
        var two = JsonSerializer.Deserialize(await bed.LabctlOkAsync(User, repo, ct, "idea", "new", "higher lr", "-o", "json"), ProtocolJsonContext.Default.IdeaRecord)!;
        Assert.Equal(main, two.BaseCommit);
        await TrackerBed.CommitOnAsync(User, repo, "idea/2", "config.txt", "lr = 1.0", ct);
        await bed.LabctlOkAsync(User, repo, ct, "idea", "new", "mixup");
        await TrackerBed.CommitOnAsync(User, repo, "idea/3", "mixup.txt", "on", ct);

        var merged = JsonSerializer.Deserialize(await bed.LabctlOkAsync(User, repo, ct, "idea", "new", "lower lr + mixup", "--parent", "1", "--parent", "3", "-o", "json"), ProtocolJsonContext.Default.IdeaRecord)!;
        Assert.Equal([1, 3], merged.Parents);
        var parents = (await TrackerBed.GitAsync(User, repo, ct, "rev-list", "--parents", "-n", "1", "idea/4")).Split(' ');
        Assert.Equal(3, parents.Length);
        Assert.Equal("lr = 0.01", (await TrackerBed.GitAsync(User, repo, ct, "show", "idea/4:config.txt")).Trim());
        Assert.Equal("on", (await TrackerBed.GitAsync(User, repo, ct, "show", "idea/4:mixup.txt")).Trim());

        var conflict = await bed.LabctlAsync(User, repo, ct, "idea", "new", "both lrs", "--parent", "1", "--parent", "2");
        Assert.Equal(6, conflict.ExitCode);
        Assert.Contains("merge-conflict", conflict.Stderr, StringComparison.Ordinal);
        Assert.Contains("config.txt", conflict.Stderr, StringComparison.Ordinal);
        var ideas = JsonSerializer.Deserialize(await bed.LabctlOkAsync(User, repo, ct, "idea", "ls", "-o", "json"), ProtocolJsonContext.Default.IReadOnlyListIdeaRecord)!;
        Assert.Equal([1, 2, 3, 4], ideas.Select(i => i.Number));
        Assert.Equal("", await TrackerBed.GitAsync(User, repo, ct, "branch", "--list", "idea/5"));

        // Statuses.
        Assert.Equal(6, (await bed.LabctlAsync(User, repo, ct, "idea", "activate", "1")).ExitCode);
        await bed.LabctlOkAsync(User, repo, ct, "idea", "conclude", "1", "--conclusion", "small lr is steadier");
        var twice = await bed.LabctlAsync(User, repo, ct, "idea", "conclude", "1", "--conclusion", "again");
        Assert.Equal(6, twice.ExitCode);
        Assert.Contains("reopen", twice.Stderr, StringComparison.Ordinal);
        await bed.LabctlOkAsync(User, repo, ct, "idea", "abandon", "2", "--reason", "diverges");
        await bed.LabctlOkAsync(User, repo, ct, "idea", "reopen", "2");
        Assert.Contains("(suggested)", await bed.LabctlOkAsync(User, repo, ct, "idea", "new", "cutout", "--suggest"), StringComparison.Ordinal);
        await bed.LabctlOkAsync(User, repo, ct, "idea", "activate", "5");
        var statuses = JsonSerializer.Deserialize(await bed.LabctlOkAsync(User, repo, ct, "idea", "ls", "-o", "json"), ProtocolJsonContext.Default.IReadOnlyListIdeaRecord)!;
        Assert.Equal(["concluded", "active", "active", "active", "active"], statuses.Select(i => i.Status));

        // -o json is labd's document: the same as curl on the socket.
        var fromLabctl = await bed.LabctlOkAsync(User, repo, ct, "idea", "ls", "-o", "json");
        var fromCurl = await Curl.AsUserAsync(User, bed.Labd.SocketPath, "GET", Routes.LabIdeas("demo"), null, ct);
        Assert.Equal(200, fromCurl.Status);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(fromLabctl), JsonNode.Parse(fromCurl.Body)), $"labctl: {fromLabctl}\ncurl: {fromCurl.Body}");
    }

    [Fact(Timeout = 240000)]
    public async Task Notes_messages_search_orient_and_the_leaderboard_work_from_inside_the_lab()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await TrackerBed.StartAsync(ct);
        var repo = await bed.MakeRepositoryAsync(User, "demo", ct);
        await bed.LabctlOkAsync(User, repo, ct, "lab", "init");
        await bed.LabctlOkAsync(User, repo, ct, "idea", "new", "baseline");
        await bed.LabctlOkAsync(User, repo, ct, "idea", "new", "warmup", "--parent", "1");
        Directory.CreateDirectory(Path.Combine(repo, "src"));
        await Command.CheckedAsync("chown", [User + ":", Path.Combine(repo, "src")], ct);
        var inside = Path.Combine(repo, "src");

        await bed.LabctlOkAsync(User, inside, ct, "note", "add", "warmup matters a lot", "--idea", "2", "--level", "insight");
        await bed.LabctlOkAsync(User, inside, ct, "note", "add", "debugging output", "--level", "debug");
        var insights = JsonSerializer.Deserialize(await bed.LabctlOkAsync(User, inside, ct, "note", "ls", "--level", "insight", "-o", "json"), ProtocolJsonContext.Default.IReadOnlyListNoteRecord)!;
        Assert.Equal(["warmup matters a lot"], insights.Select(n => n.Text));

        await bed.LabctlOkAsync(User, inside, ct, "msg", "send", "try warmup on the big model", "--to", "all");
        Assert.Contains("try warmup on the big model", await bed.LabctlOkAsync(User, inside, ct, "msg", "ls"), StringComparison.Ordinal);

        var hits = JsonSerializer.Deserialize(await bed.LabctlOkAsync(User, inside, ct, "search", "warmup", "-o", "json"), ProtocolJsonContext.Default.IReadOnlyListSearchHit)!;
        Assert.Equal(["idea", "message", "note"], hits.Select(h => h.Kind).Order());
        Assert.Equal(0, (await bed.LabctlAsync(User, inside, ct, "search", "\"(warmup OR*", "NEAR(")).ExitCode);

        await bed.AddExperimentAsync("demo", 1, 1, "succeeded", 0.50, "baseline");
        await bed.AddExperimentAsync("demo", 2, 1, "succeeded", 0.62);
        await bed.AddExperimentAsync("demo", 2, 2, "succeeded", 0.58, "sweep");
        await bed.AddExperimentAsync("demo", 2, 3, "failed", null);
        var board = JsonSerializer.Deserialize(await bed.LabctlOkAsync(User, inside, ct, "leaderboard", "-o", "json"), ProtocolJsonContext.Default.Leaderboard)!;
        Assert.Equal(["exp/2.1", "exp/2.2", "exp/1.1"], board.Entries.Select(e => e.Label));
        Assert.Equal(0.12, board.Entries[0].DeltaParent!.Value, 9);
        Assert.Equal(0.12, board.Entries[0].DeltaBaseline!.Value, 9);
        var table = await bed.LabctlOkAsync(User, inside, ct, "leaderboard", "--tag", "sweep");
        Assert.Contains("exp/2.2", table, StringComparison.Ordinal);
        Assert.DoesNotContain("exp/2.1", table, StringComparison.Ordinal);

        var orient = await bed.LabctlOkAsync(User, inside, ct, "orient");
        Assert.Contains("Best: exp/2.1", orient, StringComparison.Ordinal);
        Assert.Contains("exp/2.3 failed", orient, StringComparison.Ordinal);
        Assert.DoesNotContain("exp/2.3", await bed.LabctlOkAsync(User, inside, ct, "orient"), StringComparison.Ordinal);

        var png = Path.Combine(inside, "progress.png");
        await bed.LabctlOkAsync(User, inside, ct, "plot", "--png", png);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, (await File.ReadAllBytesAsync(png, ct))[..4]);
        Assert.Contains("exp/1.1", await bed.LabctlOkAsync(User, inside, ct, "plot"), StringComparison.Ordinal);
        Assert.Contains("sweep", await bed.LabctlOkAsync(User, inside, ct, "tag", "ls"), StringComparison.Ordinal);
    }
}
