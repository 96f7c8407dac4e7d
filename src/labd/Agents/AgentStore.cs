using System.Text.Json;
using Labd.Protocol;
using Labd.Store;
using Labd.Tracker;
using Microsoft.Data.Sqlite;

namespace Labd.Agents;

/// <summary>
/// The agents and agent_turns rows, each change committed together with its event. Every
/// transition is guarded by the state it leaves (a turn begins only after the previous one, ends
/// once; a session ends once), so racing watchers after a restart change nothing twice.
/// </summary>
internal sealed class AgentStore(StateStore store, TrackerOptions options)
{
    internal const string TurnColumns = "agent, number, run_id, status, exit_code, started_at, ended_at, cost_usd, input_tokens, output_tokens, reason";

    /// <summary><c>&lt;stateDir&gt;/labs/&lt;lab&gt;/agents/&lt;id&gt;/worktree</c>.</summary>
    public string WorktreeOf(string lab, long id) => Path.Combine(options.LabDirectory(lab), "agents", Db.Text(id), "worktree");

    public static string BranchOf(long id) => "agent/" + Db.Text(id);

    /// <summary>Inserts a running session whose first turn is due now, with its agent.start event.</summary>
    public async Task<AgentRow> InsertAsync(NewAgent agent, Actor actor, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var now = Db.Now();
        var id = (long)(await Db.ScalarAsync(connection, transaction, """
            INSERT INTO agents (lab_id, role, kind, command, output, status, interval_s, max_turns, budget_usd, until, branch, worktree, policy, owner_uid, created_by, created_at, next_turn_at, max_failures)
            VALUES ($lab, $role, $kind, $command, $output, 'running', $interval, $maxTurns, $budget, $until, '', '', $policy, $owner, $by, $at, $at, $maxFailures)
            RETURNING id;
            """, cancellationToken,
            ("$lab", agent.Lab), ("$role", agent.Role), ("$kind", agent.Kind),
            ("$command", JsonSerializer.Serialize(agent.Command.ToList(), AgentsJsonContext.Default.ListString)),
            ("$output", agent.Output), ("$interval", agent.IntervalSeconds), ("$maxTurns", agent.MaxTurns), ("$budget", agent.BudgetUsd),
            ("$until", agent.Until is { } until ? Db.Format(until) : null), ("$policy", agent.Policy), ("$owner", agent.OwnerUid),
            ("$by", agent.CreatedBy), ("$at", now), ("$maxFailures", agent.MaxFailures)).ConfigureAwait(false))!;
        await Db.ExecuteAsync(connection, transaction, "UPDATE agents SET branch = $branch, worktree = $worktree WHERE id = $id;", cancellationToken,
            ("$branch", BranchOf(id)), ("$worktree", WorktreeOf(agent.Lab, id)), ("$id", id)).ConfigureAwait(false);
        var row = (await Db.ListAsync(connection, transaction, $"SELECT {AgentRow.Columns} FROM agents WHERE id = $id;", AgentRow.Read, cancellationToken, ("$id", id)).ConfigureAwait(false))[0];
        await StateStore.AppendEventAsync(connection, transaction, actor, "agent.start", Db.Text(id),
            JsonSerializer.Serialize(row.ToRecord("", null), ProtocolJsonContext.Default.AgentRecord), cancellationToken).ConfigureAwait(false);
        await store.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
        return row;
    }

    public async Task<AgentRow?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await Db.ListAsync(connection, null, $"SELECT {AgentRow.Columns} FROM agents WHERE id = $id;", AgentRow.Read, cancellationToken, ("$id", id)).ConfigureAwait(false);
        return rows.Count > 0 ? rows[0] : null;
    }

    /// <summary>Sessions of one lab, or of every lab owned by <paramref name="ownerUid"/> (null: all), newest first.</summary>
    public async Task<IReadOnlyList<AgentRow>> ListAsync(string? lab, int? ownerUid, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await Db.ListAsync(connection, null, $"""
            SELECT {AgentRow.Columns} FROM agents
            WHERE ($lab IS NULL OR lab_id = $lab) AND ($owner IS NULL OR lab_id IN (SELECT id FROM labs WHERE owner_uid = $owner))
            ORDER BY id DESC;
            """, AgentRow.Read, cancellationToken, ("$lab", lab), ("$owner", ownerUid)).ConfigureAwait(false);
    }

    /// <summary>Sessions that are running or stopping (the runner's work after a restart).</summary>
    public async Task<IReadOnlyList<AgentRow>> ActiveAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await Db.ListAsync(connection, null, $"SELECT {AgentRow.Columns} FROM agents WHERE status IN ('running', 'stopping') ORDER BY id;", AgentRow.Read, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The last <paramref name="limit"/> turns, oldest first.</summary>
    public async Task<IReadOnlyList<AgentTurnRecord>> TurnsAsync(long id, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await Db.ListAsync(connection, null, $"SELECT {TurnColumns} FROM agent_turns WHERE agent = $id ORDER BY number DESC LIMIT $limit;",
            ReadTurn, cancellationToken, ("$id", id), ("$limit", limit)).ConfigureAwait(false);
        rows.Reverse();
        return rows;
    }

    public async Task<AgentTurnRecord?> TurnAsync(long id, int number, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await Db.ListAsync(connection, null, $"SELECT {TurnColumns} FROM agent_turns WHERE agent = $id AND number = $number;",
            ReadTurn, cancellationToken, ("$id", id), ("$number", number)).ConfigureAwait(false);
        return rows.Count > 0 ? rows[0] : null;
    }

    /// <summary>The turn in progress (status running), or null.</summary>
    public async Task<AgentTurnRecord?> CurrentTurnAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await Db.ListAsync(connection, null, $"SELECT {TurnColumns} FROM agent_turns WHERE agent = $id AND status = 'running' ORDER BY number DESC LIMIT 1;",
            ReadTurn, cancellationToken, ("$id", id)).ConfigureAwait(false);
        return rows.Count > 0 ? rows[0] : null;
    }

    /// <summary>
    /// Records turn <paramref name="number"/> as running under <paramref name="runId"/> before its
    /// sandbox is launched, and when the next one is due. Only from a running session whose
    /// previous turn was number - 1; false otherwise (nothing changed).
    /// </summary>
    public async Task<bool> BeginTurnAsync(long id, int number, string runId, DateTimeOffset startedAt, DateTimeOffset? nextTurnAt, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var changed = await Db.ExecuteAsync(connection, transaction, """
            UPDATE agents SET turns = $number, next_turn_at = $next
            WHERE id = $id AND status = 'running' AND turns = $number - 1
              AND NOT EXISTS (SELECT 1 FROM agent_turns WHERE agent = $id AND status = 'running');
            """, cancellationToken, ("$id", id), ("$number", number), ("$next", nextTurnAt is { } next ? Db.Format(next) : null)).ConfigureAwait(false);
        if (changed == 0)
        {
            return false;
        }
        await Db.ExecuteAsync(connection, transaction, """
            INSERT INTO agent_turns (agent, number, run_id, status, started_at) VALUES ($id, $number, $run, 'running', $at);
            """, cancellationToken, ("$id", id), ("$number", number), ("$run", runId), ("$at", Db.Format(startedAt))).ConfigureAwait(false);
        await StateStore.AppendEventAsync(connection, transaction, Actor.Daemon, "agent.turn.start", Db.Text(id),
            $$"""{"turn":{{number}},"run":"{{runId}}"}""", cancellationToken).ConfigureAwait(false);
        await store.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Takes back a turn that was recorded but could not launch for a transient reason (no
    /// sandbox user free): the turn row goes, the count goes back, the next try is at <paramref name="retryAt"/>.</summary>
    public async Task DeferTurnAsync(long id, int number, DateTimeOffset retryAt, string reason, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var changed = await Db.ExecuteAsync(connection, transaction, """
            DELETE FROM agent_turns WHERE agent = $id AND number = $number AND status = 'running';
            """, cancellationToken, ("$id", id), ("$number", number)).ConfigureAwait(false);
        if (changed == 0)
        {
            return;
        }
        await Db.ExecuteAsync(connection, transaction, """
            UPDATE agents SET turns = $number - 1, next_turn_at = $retry WHERE id = $id AND turns = $number;
            """, cancellationToken, ("$id", id), ("$number", number), ("$retry", Db.Format(retryAt))).ConfigureAwait(false);
        await StateStore.AppendEventAsync(connection, transaction, Actor.Daemon, "agent.turn.deferred", Db.Text(id),
            System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["turn"] = Db.Text(number), ["reason"] = reason, ["retryAt"] = Db.Format(retryAt) }, AgentsJsonContext.Default.DictionaryStringString),
            cancellationToken).ConfigureAwait(false);
        await store.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends a running turn once, adding its usage to the session's totals and counting
    /// failed turns in a row (a succeeded one resets the count; a stopped one leaves it).</summary>
    public async Task<bool> EndTurnAsync(long id, int number, string status, int? exitCode, TurnUsage usage, string? reason, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var changed = await Db.ExecuteAsync(connection, transaction, """
            UPDATE agent_turns SET status = $status, exit_code = $code, ended_at = $at, cost_usd = $cost, input_tokens = $in, output_tokens = $out, reason = $reason
            WHERE agent = $id AND number = $number AND status = 'running';
            """, cancellationToken, ("$id", id), ("$number", number), ("$status", status), ("$code", exitCode), ("$at", Db.Now()),
            ("$cost", usage.CostUsd), ("$in", usage.InputTokens), ("$out", usage.OutputTokens), ("$reason", reason)).ConfigureAwait(false);
        if (changed == 0)
        {
            return false;
        }
        await Db.ExecuteAsync(connection, transaction, """
            UPDATE agents SET cost_usd = cost_usd + $cost, input_tokens = input_tokens + $in, output_tokens = output_tokens + $out,
                failures = CASE $status WHEN 'failed' THEN failures + 1 WHEN 'succeeded' THEN 0 ELSE failures END
            WHERE id = $id;
            """, cancellationToken, ("$id", id), ("$cost", usage.CostUsd ?? 0), ("$in", usage.InputTokens ?? 0), ("$out", usage.OutputTokens ?? 0), ("$status", status)).ConfigureAwait(false);
        var turn = (await Db.ListAsync(connection, transaction, $"SELECT {TurnColumns} FROM agent_turns WHERE agent = $id AND number = $number;",
            ReadTurn, cancellationToken, ("$id", id), ("$number", number)).ConfigureAwait(false))[0];
        await StateStore.AppendEventAsync(connection, transaction, Actor.Daemon, "agent.turn.end", Db.Text(id),
            JsonSerializer.Serialize(turn, ProtocolJsonContext.Default.AgentTurnRecord), cancellationToken).ConfigureAwait(false);
        await store.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>running → stopping, with the agent.stop event; false when the session is not running.</summary>
    public async Task<bool> RequestStopAsync(long id, Actor actor, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (await Db.ExecuteAsync(connection, transaction, "UPDATE agents SET status = 'stopping', next_turn_at = NULL WHERE id = $id AND status = 'running';",
            cancellationToken, ("$id", id)).ConfigureAwait(false) == 0)
        {
            return false;
        }
        await StateStore.AppendEventAsync(connection, transaction, actor, "agent.stop", Db.Text(id), null, cancellationToken).ConfigureAwait(false);
        await store.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Ends a running or stopping session once (stopped, finished or failed), with the agent.end event.</summary>
    public async Task<bool> EndAsync(long id, string status, string? reason, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (await Db.ExecuteAsync(connection, transaction, """
            UPDATE agents SET status = $status, reason = $reason, ended_at = $at, next_turn_at = NULL WHERE id = $id AND status IN ('running', 'stopping');
            """, cancellationToken, ("$id", id), ("$status", status), ("$reason", reason), ("$at", Db.Now())).ConfigureAwait(false) == 0)
        {
            return false;
        }
        await StateStore.AppendEventAsync(connection, transaction, Actor.Daemon, "agent.end", Db.Text(id),
            JsonSerializer.Serialize(new AgentEnd(status, reason), AgentsJsonContext.Default.AgentEnd), cancellationToken).ConfigureAwait(false);
        await store.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
        return true;
    }

    public Task<LabRow?> FindLabAsync(string lab, CancellationToken cancellationToken) => LabRow.FindAsync(store, lab, cancellationToken);

    private static AgentTurnRecord ReadTurn(SqliteDataReader r) => new(
        r.GetInt64(0),
        r.GetInt32(1),
        Db.StringOrNull(r, 2),
        r.GetString(3),
        r.IsDBNull(4) ? null : r.GetInt32(4),
        Db.Time(r, 5),
        Db.TimeOrNull(r, 6),
        r.IsDBNull(7) ? null : r.GetDouble(7),
        r.IsDBNull(8) ? null : r.GetInt64(8),
        r.IsDBNull(9) ? null : r.GetInt64(9))
    {
        Reason = Db.StringOrNull(r, 10),
    };
}
