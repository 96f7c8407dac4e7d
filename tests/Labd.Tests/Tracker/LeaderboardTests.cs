
namespace Labd.Tests.Tracker;

public sealed class LeaderboardTests
{
    private static Dictionary<string, double> M(double score) => new() { ["score"] = score };

    [Fact(Timeout = 30000)]
    public async Task A_max_metric_ranks_the_highest_value_first_and_skips_unsucceeded_experiments()
    {
        await using var db = await TrackerDb.OpenAsync();
        await db.AddLabAsync("lab", "/srv/lab");
        await db.AddIdeaAsync("lab", 1, "root");
        await db.AddExperimentAsync("lab", 1, "succeeded", M(0.5));
        await db.AddExperimentAsync("lab", 1, "succeeded", M(0.9));
        await db.AddExperimentAsync("lab", 1, "failed", M(0.99));
        await db.AddExperimentAsync("lab", 1, "succeeded", M(0.7));
        await db.AddExperimentAsync("lab", 1, "succeeded", new Dictionary<string, double> { ["loss"] = 1 });

        var board = await db.Leaderboard.GetAsync(TrackerDb.Owner, "lab", null, null, null, null, TestContext.Current.CancellationToken);

        Assert.Equal("score", board.Metric);
        Assert.Equal([0.9, 0.7, 0.5], board.Entries.Select(e => e.Value));
        Assert.Equal(["exp/1.2", "exp/1.4", "exp/1.1"], board.Entries.Select(e => e.Label));
        Assert.Equal([1, 2, 3], board.Entries.Select(e => e.Rank));
    }

    [Fact(Timeout = 30000)]
    public async Task An_undeclared_metric_is_not_ranked_but_refused_naming_the_command_that_declares_it()
    {
        await using var db = await TrackerDb.OpenAsync();
        await db.AddLabAsync("lab", "/srv/lab");
        await db.AddIdeaAsync("lab", 1, "root");
        foreach (var loss in new[] { 2.5, 0.7 })
        {
            await db.AddExperimentAsync("lab", 1, "succeeded", new Dictionary<string, double> { ["loss"] = loss });
        }
        var ct = TestContext.Current.CancellationToken;

        var board = await Assert.ThrowsAsync<LabdException>(() => db.Leaderboard.GetAsync(TrackerDb.Owner, "lab", "loss", null, null, null, ct));
        var progress = await Assert.ThrowsAsync<LabdException>(() => db.Leaderboard.ProgressAsync(TrackerDb.Owner, "lab", "loss", ct));

        Assert.Equal(Labd.Protocol.ErrorCode.BadRequest, board.Code);
        Assert.Contains("`labctl lab metric loss min --lab lab`", board.Message, StringComparison.Ordinal);
        Assert.Equal(board.Message, progress.Message);
    }

    [Fact(Timeout = 30000)]
    public async Task A_min_metric_ranks_the_lowest_value_first()
    {
        await using var db = await TrackerDb.OpenAsync();
        await db.AddLabAsync("lab", "/srv/lab", metrics: """[{"name":"score","direction":"max"},{"name":"loss","direction":"min"}]""");
        await db.AddIdeaAsync("lab", 1, "root");
        foreach (var loss in new[] { 2.5, 0.7, 1.1 })
        {
            await db.AddExperimentAsync("lab", 1, "succeeded", new Dictionary<string, double> { ["loss"] = loss });
        }

        var board = await db.Leaderboard.GetAsync(TrackerDb.Owner, "lab", "loss", null, 2, null, TestContext.Current.CancellationToken);

        Assert.Equal("min", board.Direction);
        Assert.Equal([0.7, 1.1], board.Entries.Select(e => e.Value));
    }

    [Fact(Timeout = 30000)]
    public async Task Deltas_compare_with_the_best_of_the_parent_ideas_and_with_the_baseline()
    {
        await using var db = await TrackerDb.OpenAsync();
        await db.AddLabAsync("lab", "/srv/lab");
        await db.AddIdeaAsync("lab", 1, "baseline");
        await db.AddIdeaAsync("lab", 2, "a", "active", 1);
        await db.AddIdeaAsync("lab", 3, "b", "active", 1);
        await db.AddIdeaAsync("lab", 4, "a+b", "active", 2, 3);
        await db.AddExperimentAsync("lab", 1, "succeeded", M(0.50), "baseline");
        await db.AddExperimentAsync("lab", 1, "succeeded", M(0.40), "baseline");
        await db.AddExperimentAsync("lab", 2, "succeeded", M(0.60));
        await db.AddExperimentAsync("lab", 3, "succeeded", M(0.65));
        await db.AddExperimentAsync("lab", 3, "succeeded", M(0.55));
        await db.AddExperimentAsync("lab", 4, "succeeded", M(0.70));

        var board = await db.Leaderboard.GetAsync(TrackerDb.Owner, "lab", null, null, null, null, TestContext.Current.CancellationToken);

        Assert.Equal(0.50, board.Baseline);
        var byLabel = board.Entries.ToDictionary(e => e.Label);
        // idea 4's parents are 2 (best 0.60) and 3 (best 0.65): compare with 0.65.
        Assert.Equal(0.05, byLabel["exp/4.1"].DeltaParent!.Value, 9);
        Assert.Equal(0.20, byLabel["exp/4.1"].DeltaBaseline!.Value, 9);
        Assert.Equal(0.10, byLabel["exp/2.1"].DeltaParent!.Value, 9);
        Assert.Equal(0.05, byLabel["exp/3.2"].DeltaParent!.Value, 9);
        // A root idea compares with the baseline.
        Assert.Equal(-0.10, byLabel["exp/1.2"].DeltaParent!.Value, 9);
        Assert.Equal(["baseline"], byLabel["exp/1.1"].Tags);
    }

    [Fact(Timeout = 30000)]
    public async Task The_tag_and_idea_filters_keep_only_matching_experiments()
    {
        await using var db = await TrackerDb.OpenAsync();
        await db.AddLabAsync("lab", "/srv/lab");
        await db.AddIdeaAsync("lab", 1, "x");
        await db.AddIdeaAsync("lab", 2, "y");
        await db.AddExperimentAsync("lab", 1, "succeeded", M(0.9), "sweep");
        await db.AddExperimentAsync("lab", 1, "succeeded", M(0.8));
        await db.AddExperimentAsync("lab", 2, "succeeded", M(0.7), "sweep", "long");

        var tagged = await db.Leaderboard.GetAsync(TrackerDb.Owner, "lab", null, "sweep", null, null, TestContext.Current.CancellationToken);
        var ofIdea = await db.Leaderboard.GetAsync(TrackerDb.Owner, "lab", null, null, null, 2, TestContext.Current.CancellationToken);

        Assert.Equal(["exp/1.1", "exp/2.1"], tagged.Entries.Select(e => e.Label));
        Assert.Equal(["long", "sweep"], tagged.Entries[1].Tags);
        Assert.Equal(["exp/2.1"], ofIdea.Entries.Select(e => e.Label));
    }

    [Fact(Timeout = 60000)]
    public async Task Ten_thousand_generated_experiments_rank_as_a_sort_of_the_same_values_does()
    {
        await using var db = await TrackerDb.OpenAsync();
        await db.AddLabAsync("lab", "/srv/lab");
        await db.AddLabAsync("other", "/srv/other");
        for (var i = 1; i <= 100; i++)
        {
            await db.AddIdeaAsync("lab", i, "idea " + i, "active", i > 1 ? [i - 1] : []);
        }
        // 10,000 experiments over 100 ideas, values a fixed permutation; every 7th failed; every 50th tagged baseline.
        await db.ExecuteAsync("""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
            INSERT INTO experiments (lab_id, idea, seq, commit_sha, command, meta, dedupe_key, gpus, submitter, submitter_uid, status, created_at, ended_at)
            SELECT 'lab', (i - 1) % 100 + 1, (i - 1) / 100 + 1, printf('%040x', i), '[]', '{}', 'k' || i, 0, 'agent:a', 1,
                   CASE WHEN i % 7 = 0 THEN 'failed' ELSE 'succeeded' END, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM n;
            INSERT INTO experiment_metrics (experiment, name, value) SELECT id, 'score', ((id * 7919) % 10007) / 10007.0 FROM experiments;
            INSERT INTO experiment_tags (experiment, tag) SELECT id, 'baseline' FROM experiments WHERE id % 50 = 0;
            INSERT INTO experiments (lab_id, idea, seq, commit_sha, command, meta, dedupe_key, gpus, submitter, submitter_uid, status, created_at)
            VALUES ('other', 1, 1, 'x', '[]', '{}', 'k', 0, 'agent:a', 1, 'succeeded', '2026-01-01T00:00:00Z');
            INSERT INTO experiment_metrics (experiment, name, value) SELECT max(id), 'score', 2.0 FROM experiments;
            """);
        var expected = Enumerable.Range(1, 10000).Where(i => i % 7 != 0).Select(i => (Id: (long)i, Value: (i * 7919 % 10007) / 10007.0))
            .OrderByDescending(e => e.Value).ThenBy(e => e.Id).ToList();
        var baseline = expected.Where(e => e.Id % 50 == 0).Max(e => e.Value);

        var board = await db.Leaderboard.GetAsync(TrackerDb.Owner, "lab", null, null, 100, null, TestContext.Current.CancellationToken);

        Assert.Equal(expected.Take(100).Select(e => e.Id), board.Entries.Select(e => e.Experiment));
        Assert.Equal(baseline, board.Baseline!.Value, 12);
        var top = board.Entries[0];
        var parentBest = expected.Where(e => (e.Id - 1) % 100 + 1 == top.Idea - 1).Max(e => e.Value);
        Assert.Equal(top.Value - parentBest, top.DeltaParent!.Value, 12);
        Assert.DoesNotContain(board.Entries, e => e.Value == 2.0);
    }

    [Fact(Timeout = 30000)]
    public async Task Progress_lists_values_in_the_order_they_ended_with_the_best_so_far()
    {
        await using var db = await TrackerDb.OpenAsync();
        await db.AddLabAsync("lab", "/srv/lab", metrics: """[{"name":"loss","direction":"min"}]""");
        await db.AddIdeaAsync("lab", 1, "x");
        foreach (var loss in new[] { 3.0, 2.0, 2.5, 1.0 })
        {
            await db.AddExperimentAsync("lab", 1, "succeeded", new Dictionary<string, double> { ["loss"] = loss });
        }

        var progress = await db.Leaderboard.ProgressAsync(TrackerDb.Owner, "lab", null, TestContext.Current.CancellationToken);

        Assert.Equal([3.0, 2.0, 2.5, 1.0], progress.Points.Select(p => p.Value));
        Assert.Equal([3.0, 2.0, 2.0, 1.0], progress.Points.Select(p => p.Best));
    }
}
