using System.Text.Json;
using Labd.Api;
using Labd.Protocol;
using Labd.Store;
using Microsoft.Data.Sqlite;

namespace Labd.Tracker;

/// <summary>
/// The leaderboard (succeeded experiments with a metric, best first by the metric's direction, with
/// deltas against parent ideas and the baseline) and the progress series behind <c>labctl plot</c>.
/// A handful of indexed queries whatever the number of experiments.
/// </summary>
internal sealed class LeaderboardService(StateStore store, LabAccess access)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 1000;

    public async Task<Leaderboard> GetAsync(Caller caller, string labId, string? metricName, string? tag, int? limit, int? idea, CancellationToken cancellationToken)
    {
        var lab = await access.GetAsync(caller, labId, manage: false, cancellationToken).ConfigureAwait(false);
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ComputeAsync(connection, lab, metricName, tag, limit, idea, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<Leaderboard> ComputeAsync(SqliteConnection connection, LabRow lab, string? metricName, string? tag, int? limit, int? idea, CancellationToken cancellationToken)
    {
        var metric = lab.MetricOrPrimary(metricName);
        var count = Math.Clamp(limit ?? DefaultLimit, 1, MaxLimit);
        var order = metric.Direction == LabMetric.Min ? "ASC" : "DESC";
        var rows = await Db.ListAsync(connection, null, $"""
            SELECT e.id, e.idea, e.seq, e.commit_sha, m.value
            FROM experiments e JOIN experiment_metrics m ON m.experiment = e.id AND m.name = $metric
            WHERE e.lab_id = $lab AND e.status = 'succeeded'
              AND ($idea IS NULL OR e.idea = $idea)
              AND ($tag IS NULL OR EXISTS (SELECT 1 FROM experiment_tags t WHERE t.experiment = e.id AND t.tag = $tag))
            ORDER BY m.value {order}, e.id
            LIMIT $limit;
            """, r => (Id: r.GetInt64(0), Idea: r.GetInt32(1), Seq: r.GetInt32(2), Commit: r.GetString(3), Value: r.GetDouble(4)), cancellationToken,
            ("$lab", lab.Id), ("$metric", metric.Name), ("$idea", idea), ("$tag", tag), ("$limit", count)).ConfigureAwait(false);
        var baseline = await BestValues.BaselineAsync(connection, lab, metric, cancellationToken).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            return new Leaderboard(metric.Name, metric.Direction, baseline, []);
        }
        var parents = await ParentsAsync(connection, lab.Id, rows.Select(r => r.Idea).Distinct(), cancellationToken).ConfigureAwait(false);
        // Only the shown rows' parent ideas matter for Δ parent.
        var parentIdeas = rows.SelectMany(r => parents.GetValueOrDefault(r.Idea) ?? []).ToHashSet();
        var perIdea = await BestValues.PerIdeaAsync(connection, lab, metric, cancellationToken, parentIdeas).ConfigureAwait(false);
        var tags = await TagsAsync(connection, rows.Select(r => r.Id), cancellationToken).ConfigureAwait(false);
        var entries = new List<LeaderboardEntry>(rows.Count);
        foreach (var row in rows)
        {
            var reference = ParentBest(metric, parents.GetValueOrDefault(row.Idea) ?? [], perIdea, baseline);
            entries.Add(new LeaderboardEntry(
                entries.Count + 1,
                new ExperimentLabel(row.Idea, row.Seq).ToString(),
                row.Id,
                row.Idea,
                row.Value,
                reference is { } p ? row.Value - p : null,
                baseline is { } b ? row.Value - b : null,
                tags.GetValueOrDefault(row.Id) ?? [],
                row.Commit));
        }
        return new Leaderboard(metric.Name, metric.Direction, baseline, entries);
    }

    /// <summary>Every succeeded experiment with the metric, in the order they ended, with the best so far.</summary>
    public async Task<Progress> ProgressAsync(Caller caller, string labId, string? metricName, CancellationToken cancellationToken)
    {
        var lab = await access.GetAsync(caller, labId, manage: false, cancellationToken).ConfigureAwait(false);
        var metric = lab.MetricOrPrimary(metricName);
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await Db.ListAsync(connection, null, """
            SELECT e.idea, e.seq, coalesce(e.ended_at, e.created_at), m.value
            FROM experiments e JOIN experiment_metrics m ON m.experiment = e.id AND m.name = $metric
            WHERE e.lab_id = $lab AND e.status = 'succeeded'
            ORDER BY julianday(coalesce(e.ended_at, e.created_at)), e.id;
            """, r => (Label: new ExperimentLabel(r.GetInt32(0), r.GetInt32(1)).ToString(), At: Db.Time(r, 2), Value: r.GetDouble(3)), cancellationToken,
            ("$lab", lab.Id), ("$metric", metric.Name)).ConfigureAwait(false);
        var points = new List<ProgressPoint>(rows.Count);
        double? bestSoFar = null;
        foreach (var row in rows)
        {
            bestSoFar = bestSoFar is { } b ? Better(metric, row.Value, b) : row.Value;
            points.Add(new ProgressPoint(row.Label, row.At, row.Value, bestSoFar.Value));
        }
        return new Progress(metric.Name, metric.Direction, points);
    }

    public static double Better(LabMetric metric, double a, double b) => metric.Direction == LabMetric.Min ? Math.Min(a, b) : Math.Max(a, b);

    /// <summary>The best value among the parents' experiments; a root idea compares with the baseline.</summary>
    private static double? ParentBest(LabMetric metric, IReadOnlyList<int> parents, Dictionary<int, double> perIdea, double? baseline)
    {
        if (parents.Count == 0)
        {
            return baseline;
        }
        double? reference = null;
        foreach (var parent in parents)
        {
            if (perIdea.TryGetValue(parent, out var value))
            {
                reference = reference is { } r ? Better(metric, r, value) : value;
            }
        }
        return reference;
    }

    private static async Task<Dictionary<int, IReadOnlyList<int>>> ParentsAsync(SqliteConnection connection, string lab, IEnumerable<int> ideas, CancellationToken cancellationToken)
    {
        var rows = await Db.ListAsync(connection, null, "SELECT number, parents FROM ideas WHERE lab_id = $lab AND number IN (SELECT value FROM json_each($ideas)) AND parents <> '[]';",
            r => (r.GetInt32(0), JsonSerializer.Deserialize(r.GetString(1), ProtocolJsonContext.Default.IReadOnlyListInt32) ?? []), cancellationToken,
            ("$lab", lab), ("$ideas", "[" + string.Join(',', ideas.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]")).ConfigureAwait(false);
        return rows.ToDictionary(r => r.Item1, r => r.Item2);
    }

    private static async Task<Dictionary<long, IReadOnlyList<string>>> TagsAsync(SqliteConnection connection, IEnumerable<long> ids, CancellationToken cancellationToken)
    {
        var rows = await Db.ListAsync(connection, null, "SELECT experiment, tag FROM experiment_tags WHERE experiment IN (SELECT value FROM json_each($ids)) ORDER BY experiment, tag;",
            r => (r.GetInt64(0), r.GetString(1)), cancellationToken, ("$ids", "[" + string.Join(',', ids.Select(Db.Text)) + "]")).ConfigureAwait(false);
        return rows.GroupBy(r => r.Item1).ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.Select(r => r.Item2)]);
    }
}
