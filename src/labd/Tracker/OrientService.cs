using Labd.Api;
using Labd.Protocol;
using Labd.Store;
using Microsoft.Data.Sqlite;

namespace Labd.Tracker;

/// <summary>
/// The one call an agent starts each turn with: active ideas and their best values, running and
/// queued experiments, the best result, failures since this reader's previous orient, unread
/// messages (then marked read) and suggested ideas.
/// </summary>
internal sealed class OrientService(StateStore store, LabAccess access)
{
    public const int MaxListed = 50;

    public async Task<Orientation> OrientAsync(Caller caller, string labId, CancellationToken cancellationToken)
    {
        var lab = await access.GetAsync(caller, labId, manage: false, cancellationToken).ConfigureAwait(false);
        var reader = TrackerCaller.ActorOf(caller);
        // Taken before reading: a failure ending while we read shows again next time rather than never.
        var now = Db.Now();
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var metric = lab.Primary;
        var bests = await BestValues.PerIdeaAsync(connection, lab, metric, cancellationToken).ConfigureAwait(false);
        var ideas = await Db.ListAsync(connection, null, "SELECT number, title, status FROM ideas WHERE lab_id = $lab AND status IN ('active', 'suggested') ORDER BY number;",
            r => (Idea: new OrientIdea(r.GetInt32(0), r.GetString(1), bests.TryGetValue(r.GetInt32(0), out var v) ? v : null), Status: r.GetString(2)),
            cancellationToken, ("$lab", labId)).ConfigureAwait(false);
        var running = await ExperimentsAsync(connection, "lab_id = $lab AND status = 'running' ORDER BY id", cancellationToken, ("$lab", labId)).ConfigureAwait(false);
        var queued = await ExperimentsAsync(connection, "lab_id = $lab AND status = 'queued' ORDER BY priority DESC, id", cancellationToken, ("$lab", labId)).ConfigureAwait(false);
        var top = await LeaderboardService.ComputeAsync(connection, lab, metric.Name, null, 1, null, cancellationToken).ConfigureAwait(false);
        var since = await Db.ScalarAsync(connection, null, "SELECT at FROM orient_marks WHERE lab_id = $lab AND reader = $reader;", cancellationToken,
            ("$lab", labId), ("$reader", reader)).ConfigureAwait(false) as string;
        var failures = await ExperimentsAsync(connection,
            "lab_id = $lab AND status IN ('failed', 'timed_out') AND ended_at IS NOT NULL AND ($since IS NULL OR julianday(ended_at) > julianday($since)) ORDER BY julianday(ended_at) DESC, id DESC",
            cancellationToken, ("$lab", labId), ("$since", since)).ConfigureAwait(false);
        var lastExperiment = (long)(await Db.ScalarAsync(connection, null, "SELECT coalesce(max(id), 0) FROM experiments WHERE lab_id = $lab;", cancellationToken, ("$lab", labId)).ConfigureAwait(false))!;
        // Read marks are the one write here: on a crash, losing the last few (WAL, synchronous=NORMAL
        // keeps the database consistent) only shows those failures once more. Not worth an fsync
        // per orient, which serialises concurrent agents' turns.
        await Db.ExecuteAsync(connection, null, "PRAGMA synchronous=NORMAL;", cancellationToken).ConfigureAwait(false);
        await Db.ExecuteAsync(connection, null, """
            INSERT INTO orient_marks (lab_id, reader, last_experiment, at) VALUES ($lab, $reader, $last, $at)
            ON CONFLICT (lab_id, reader) DO UPDATE SET last_experiment = excluded.last_experiment, at = excluded.at;
            """, cancellationToken, ("$lab", labId), ("$reader", reader), ("$last", lastExperiment), ("$at", now)).ConfigureAwait(false);
        var unread = await MessageService.ReadAsync(connection, caller, labId, unreadOnly: true, cancellationToken).ConfigureAwait(false);
        var budget = await BudgetAsync(connection, caller, labId, cancellationToken).ConfigureAwait(false);
        return new Orientation(
            labId,
            metric.Name,
            metric.Direction,
            [.. ideas.Where(i => i.Status == IdeaRecord.Active).Select(i => i.Idea)],
            running,
            queued,
            top.Entries.Count > 0 ? top.Entries[0] : null,
            failures,
            unread,
            [.. ideas.Where(i => i.Status == IdeaRecord.Suggested).Select(i => i.Idea)])
        {
            Budget = budget,
        };
    }

    /// <summary>For an agent orienting in its own lab: its turn now and what its caps leave (from the agents table); null for anyone else.</summary>
    internal static async Task<AgentBudget?> BudgetAsync(SqliteConnection connection, Caller caller, string labId, CancellationToken cancellationToken)
    {
        if (caller.Kind != CallerKind.Agent || !long.TryParse(caller.Scope?.AgentId, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var agent))
        {
            return null;
        }
        var rows = await Db.ListAsync(connection, null, """
            SELECT a.turns, a.max_turns, a.cost_usd, a.budget_usd, a.until, (SELECT max(t.number) FROM agent_turns t WHERE t.agent = a.id), a.interval_s
            FROM agents a WHERE a.id = $agent AND a.lab_id = $lab;
            """, r =>
            {
                var turns = r.GetInt32(0);
                // turns counts started turns (the current one too); without an interval the session is one turn (agent start).
                int? maxTurns = r.IsDBNull(6) ? 1 : r.IsDBNull(1) ? null : r.GetInt32(1);
                var cost = r.GetDouble(2);
                double? budgetUsd = r.IsDBNull(3) ? null : r.GetDouble(3);
                var turn = r.IsDBNull(5) ? turns : r.GetInt32(5);
                return new AgentBudget(agent, turn, maxTurns is { } max ? Math.Max(0, max - turns) : null, budgetUsd is { } usd ? Math.Max(0, usd - cost) : null, cost, Db.TimeOrNull(r, 4));
            }, cancellationToken, ("$agent", agent), ("$lab", labId)).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    private static Task<List<OrientExperiment>> ExperimentsAsync(SqliteConnection connection, string where, CancellationToken cancellationToken, params (string, object?)[] parameters) =>
        Db.ListAsync(connection, null,
            $"SELECT id, idea, seq, status, reason, created_at, started_at, ended_at FROM experiments WHERE {where} LIMIT {MaxListed};",
            r => new OrientExperiment(r.GetInt64(0), new ExperimentLabel(r.GetInt32(1), r.GetInt32(2)).ToString(), r.GetInt32(1), r.GetString(3), Db.StringOrNull(r, 4), Db.Time(r, 5), Db.TimeOrNull(r, 6), Db.TimeOrNull(r, 7)),
            cancellationToken, parameters);
}
