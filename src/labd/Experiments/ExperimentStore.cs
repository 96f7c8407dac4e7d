using System.Globalization;
using System.Text.Json;
using Labd.Protocol;
using Labd.Store;
using Microsoft.Data.Sqlite;
using LabRow = Labd.Tracker.LabRow;

namespace Labd.Experiments;

/// <summary>
/// The experiments, experiment_tags, experiment_metrics and search_index (kind 'experiment')
/// rows; reads labs and ideas. Every transition is guarded by the status it leaves, so each
/// happens exactly once however many watchers race (e.g. after a restart).
/// </summary>
internal sealed class ExperimentStore(StateStore store)
{
    internal const string Columns = """
        e.id, e.lab_id, e.idea, e.seq, e.commit_sha, e.command, e.meta, e.gpus, e.gpu_ids, e.timeout_s, e.priority,
        e.submitter, e.status, e.reason, e.run_id, e.exit_code, e.metrics, e.created_at, e.started_at, e.ended_at,
        (SELECT json_group_array(tag) FROM (SELECT tag FROM experiment_tags t WHERE t.experiment = e.id ORDER BY tag)),
        e.submitter_uid
        """;

    public Task<LabRow?> FindLabAsync(string lab, CancellationToken cancellationToken) => LabRow.FindAsync(store, lab, cancellationToken);

    /// <summary>Every lab's id and policy, by id.</summary>
    public async Task<IReadOnlyList<(string Lab, string Policy)>> LabPoliciesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, policy FROM labs ORDER BY id";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var labs = new List<(string, string)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            labs.Add((reader.GetString(0), reader.GetString(1)));
        }
        return labs;
    }

    /// <summary>Moves a lab to <paramref name="policy"/> and records a <c>lab.policy</c> event, in one transaction.</summary>
    public async Task SetLabPolicyAsync(string lab, string policy, Actor actor, string eventJson, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "UPDATE labs SET policy = $policy WHERE id = $id";
            command.Parameters.AddWithValue("$policy", policy);
            command.Parameters.AddWithValue("$id", lab);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await StateStore.AppendEventAsync(connection, transaction, actor, "lab.policy", lab, eventJson, cancellationToken).ConfigureAwait(false);
        await store.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The idea's status and branch, or null when there is no such idea.</summary>
    public async Task<(string Status, string Branch)?> FindIdeaAsync(string lab, int idea, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT status, branch FROM ideas WHERE lab_id = $lab AND number = $idea";
        command.Parameters.AddWithValue("$lab", lab);
        command.Parameters.AddWithValue("$idea", idea);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (reader.GetString(0), reader.GetString(1)) : null;
    }

    public async Task<int> NextSeqAsync(string lab, int idea, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await NextSeqAsync(connection, null, lab, idea, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Inserts a queued experiment with its tags and search row, unless a non-cancelled one with
    /// the same dedupe key exists (then returns that one and inserts nothing). One transaction.
    /// </summary>
    public async Task<(ExperimentRecord Record, bool Duplicate)> InsertAsync(NewExperiment e, bool allowDuplicate, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (!allowDuplicate)
        {
            await using var find = connection.CreateCommand();
            find.Transaction = transaction;
            find.CommandText = "SELECT id FROM experiments WHERE lab_id = $lab AND dedupe_key = $key AND status <> 'cancelled' ORDER BY id LIMIT 1";
            find.Parameters.AddWithValue("$lab", e.Lab);
            find.Parameters.AddWithValue("$key", e.DedupeKey);
            if (await find.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long existing)
            {
                await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                return ((await GetAsync(existing, cancellationToken).ConfigureAwait(false))!, true);
            }
        }
        var seq = await NextSeqAsync(connection, transaction, e.Lab, e.Idea, cancellationToken).ConfigureAwait(false);
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO experiments (lab_id, idea, seq, commit_sha, command, meta, dedupe_key, gpus, timeout_s, priority, submitter, submitter_uid, status, created_at)
            VALUES ($lab, $idea, $seq, $commit, $command, $meta, $key, $gpus, $timeout, $priority, $submitter, $uid, 'queued', $at)
            RETURNING id
            """;
        insert.Parameters.AddWithValue("$lab", e.Lab);
        insert.Parameters.AddWithValue("$idea", e.Idea);
        insert.Parameters.AddWithValue("$seq", seq);
        insert.Parameters.AddWithValue("$commit", e.Commit);
        insert.Parameters.AddWithValue("$command", JsonSerializer.Serialize(e.Command.ToList(), ExperimentsJsonContext.Default.ListString));
        insert.Parameters.AddWithValue("$meta", JsonSerializer.Serialize(e.Meta, ExperimentsJsonContext.Default.SortedDictionaryStringString));
        insert.Parameters.AddWithValue("$key", e.DedupeKey);
        insert.Parameters.AddWithValue("$gpus", e.Gpus);
        insert.Parameters.AddWithValue("$timeout", (object?)e.TimeoutSeconds ?? DBNull.Value);
        insert.Parameters.AddWithValue("$priority", e.Priority);
        insert.Parameters.AddWithValue("$submitter", e.Submitter);
        insert.Parameters.AddWithValue("$uid", e.SubmitterUid);
        insert.Parameters.AddWithValue("$at", Time(DateTimeOffset.UtcNow));
        var id = (long)(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        foreach (var tag in e.Tags.Distinct(StringComparer.Ordinal))
        {
            await using var tagCommand = connection.CreateCommand();
            tagCommand.Transaction = transaction;
            tagCommand.CommandText = "INSERT INTO experiment_tags (experiment, tag) VALUES ($id, $tag)";
            tagCommand.Parameters.AddWithValue("$id", id);
            tagCommand.Parameters.AddWithValue("$tag", tag);
            await tagCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await using var search = connection.CreateCommand();
        search.Transaction = transaction;
        search.CommandText = "INSERT INTO search_index (lab_id, kind, ref, text) VALUES ($lab, 'experiment', $ref, $text)";
        search.Parameters.AddWithValue("$lab", e.Lab);
        search.Parameters.AddWithValue("$ref", id.ToString(CultureInfo.InvariantCulture));
        search.Parameters.AddWithValue("$text", SearchText(new ExperimentLabel(e.Idea, seq).ToString(), e.Command, e.Tags, e.Meta, "queued", null));
        await search.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return ((await GetAsync(id, cancellationToken).ConfigureAwait(false))!, false);
    }

    public async Task<ExperimentRecord?> GetAsync(long id, CancellationToken cancellationToken)
    {
        var list = await QueryAsync("e.id = $id", [("$id", id)], cancellationToken).ConfigureAwait(false);
        return list.Count > 0 ? list[0] : null;
    }

    public async Task<ExperimentRecord?> FindByLabelAsync(string lab, int idea, int seq, CancellationToken cancellationToken)
    {
        var list = await QueryAsync("e.lab_id = $lab AND e.idea = $idea AND e.seq = $seq", [("$lab", lab), ("$idea", idea), ("$seq", seq)], cancellationToken).ConfigureAwait(false);
        return list.Count > 0 ? list[0] : null;
    }

    /// <summary>Experiments filtered by lab(s) (null: all), idea, status and tag; newest first.</summary>
    public Task<IReadOnlyList<ExperimentRecord>> ListAsync(string? lab, int? ownerUid, int? idea, string? status, string? tag, CancellationToken cancellationToken)
    {
        var where = new List<string> { "1 = 1" };
        var parameters = new List<(string, object)>();
        if (lab is not null)
        {
            where.Add("e.lab_id = $lab");
            parameters.Add(("$lab", lab));
        }
        if (ownerUid is { } uid)
        {
            where.Add("e.lab_id IN (SELECT id FROM labs WHERE owner_uid = $owner)");
            parameters.Add(("$owner", uid));
        }
        if (idea is { } n)
        {
            where.Add("e.idea = $idea");
            parameters.Add(("$idea", n));
        }
        if (status is not null)
        {
            where.Add("e.status = $status");
            parameters.Add(("$status", status));
        }
        if (tag is not null)
        {
            where.Add("e.id IN (SELECT experiment FROM experiment_tags WHERE tag = $tag)");
            parameters.Add(("$tag", tag));
        }
        return QueryAsync(string.Join(" AND ", where) + " ORDER BY e.id DESC LIMIT 1000", parameters, cancellationToken);
    }

    /// <summary>Queued and running experiments, oldest first: the scheduler's input.</summary>
    public Task<IReadOnlyList<ExperimentRecord>> ActiveAsync(CancellationToken cancellationToken) =>
        QueryAsync("e.status IN ('queued', 'running') ORDER BY e.id", [], cancellationToken);

    /// <summary>queued → running with the run id and GPUs (its lease), before the run is launched; with its exp.start event.</summary>
    public Task<bool> MarkStartedAsync(long id, string runId, IReadOnlyList<int> gpuIds, CancellationToken cancellationToken) =>
        TransitionAsync(
            id,
            "UPDATE experiments SET status = 'running', run_id = $run, gpu_ids = $gpus, started_at = $at WHERE id = $id AND status = 'queued'",
            [("$id", id), ("$run", runId), ("$gpus", JsonSerializer.Serialize(gpuIds.ToList(), ExperimentsJsonContext.Default.ListInt32)), ("$at", Time(DateTimeOffset.UtcNow))],
            "exp.start", cancellationToken);

    /// <summary>running → queued, for a run that provably never started (labd died before launching it).</summary>
    public Task<bool> RequeueAsync(long id, string runId, CancellationToken cancellationToken) =>
        TransitionAsync(
            id,
            "UPDATE experiments SET status = 'queued', run_id = NULL, gpu_ids = NULL, started_at = NULL WHERE id = $id AND status = 'running' AND run_id = $run",
            [("$id", id), ("$run", runId)], "exp.requeue", cancellationToken);

    /// <summary>queued → cancelled, with the exp.end event every end has.</summary>
    public Task<bool> CancelQueuedAsync(long id, CancellationToken cancellationToken) =>
        TransitionAsync(
            id,
            "UPDATE experiments SET status = 'cancelled', reason = 'cancelled before it started', ended_at = $at WHERE id = $id AND status = 'queued'",
            [("$id", id), ("$at", Time(DateTimeOffset.UtcNow))], "exp.end", cancellationToken);

    /// <summary>One guarded UPDATE of experiment <paramref name="id"/> and, when it changed the row, its event
    /// (the row as it now is: label, status, run, GPUs), committed together.</summary>
    private async Task<bool> TransitionAsync(long id, string sql, IEnumerable<(string Name, object Value)> parameters, string kind, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var update = connection.CreateCommand())
        {
            update.Transaction = transaction;
            update.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                update.Parameters.AddWithValue(name, value);
            }
            if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                return false;
            }
        }
        await using var data = connection.CreateCommand();
        data.Transaction = transaction;
        data.CommandText = """
            SELECT json_object('label', 'exp/' || idea || '.' || seq, 'status', status, 'reason', reason, 'runId', run_id, 'gpus', json(gpu_ids))
            FROM experiments WHERE id = $id
            """;
        data.Parameters.AddWithValue("$id", id);
        var json = (string)(await data.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        await StateStore.AppendEventAsync(connection, transaction, Actor.Daemon, kind, id.ToString(CultureInfo.InvariantCulture), json, cancellationToken).ConfigureAwait(false);
        await store.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>running → terminal with metrics, metric rows and search text, in one transaction; false when already recorded.</summary>
    public async Task<bool> FinishAsync(ExperimentRecord experiment, ExperimentEnd end, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = "UPDATE experiments SET status = $status, reason = $reason, exit_code = $code, metrics = $metrics, ended_at = $at WHERE id = $id AND status = 'running' AND run_id = $run";
        update.Parameters.AddWithValue("$id", experiment.Id);
        update.Parameters.AddWithValue("$run", (object?)experiment.RunId ?? DBNull.Value);
        update.Parameters.AddWithValue("$status", end.Status);
        update.Parameters.AddWithValue("$reason", (object?)end.Reason ?? DBNull.Value);
        update.Parameters.AddWithValue("$code", (object?)end.ExitCode ?? DBNull.Value);
        update.Parameters.AddWithValue("$metrics", end.Metrics is null ? DBNull.Value : JsonSerializer.Serialize(end.Metrics, ExperimentsJsonContext.Default.SortedDictionaryStringDouble));
        var endedAt = DateTimeOffset.UtcNow;
        update.Parameters.AddWithValue("$at", Time(endedAt));
        if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return false;
        }
        foreach (var (name, value) in end.Metrics ?? [])
        {
            await using var metric = connection.CreateCommand();
            metric.Transaction = transaction;
            metric.CommandText = "INSERT INTO experiment_metrics (experiment, name, value) VALUES ($id, $name, $value)";
            metric.Parameters.AddWithValue("$id", experiment.Id);
            metric.Parameters.AddWithValue("$name", name);
            metric.Parameters.AddWithValue("$value", value);
            await metric.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await using var search = connection.CreateCommand();
        search.Transaction = transaction;
        search.CommandText = "UPDATE search_index SET text = $text WHERE kind = 'experiment' AND ref = $ref";
        search.Parameters.AddWithValue("$ref", experiment.Id.ToString(CultureInfo.InvariantCulture));
        search.Parameters.AddWithValue("$text", SearchText(experiment.Label, experiment.Command, experiment.Tags, experiment.Meta, end.Status, end.Reason));
        await search.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        // The end event commits with the end itself: whoever sees the status sees the event, and a
        // crash between the two cannot lose it.
        var data = new System.Text.Json.Nodes.JsonObject
        {
            ["label"] = experiment.Label,
            ["runId"] = experiment.RunId,
            ["status"] = end.Status,
            ["reason"] = end.Reason,
            ["exitCode"] = end.ExitCode,
            ["metrics"] = end.Metrics is null ? null : new System.Text.Json.Nodes.JsonObject(end.Metrics.Select(m => KeyValuePair.Create(m.Key, (System.Text.Json.Nodes.JsonNode?)m.Value))),
            ["gpus"] = experiment.GpuIds is { } gpus ? new System.Text.Json.Nodes.JsonArray([.. gpus.Select(g => (System.Text.Json.Nodes.JsonNode?)g)]) : null,
            ["durationSeconds"] = experiment.StartedAt is { } started ? Math.Round((endedAt - started).TotalSeconds, 3) : null,
        };
        await StateStore.AppendEventAsync(connection, transaction, Actor.Daemon, "exp.end", experiment.Id.ToString(CultureInfo.InvariantCulture), data.ToJsonString(), cancellationToken).ConfigureAwait(false);
        await store.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Per lab: its policy name (for GPU caps).</summary>
    public async Task<IReadOnlyDictionary<string, LabRow>> LabsAsync(IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, LabRow>(StringComparer.Ordinal);
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            if (await FindLabAsync(id, cancellationToken).ConfigureAwait(false) is { } lab)
            {
                result[id] = lab;
            }
        }
        return result;
    }

    internal static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private static string SearchText(string label, IEnumerable<string> command, IEnumerable<string> tags, IReadOnlyDictionary<string, string> meta, string status, string? reason) =>
        string.Join(' ', new[] { label, string.Join(' ', command), string.Join(' ', tags), string.Join(' ', meta.Select(m => m.Key + "=" + m.Value)), status, reason ?? "" }.Where(s => s.Length > 0));

    private static async Task<int> NextSeqAsync(SqliteConnection connection, SqliteTransaction? transaction, string lab, int idea, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT coalesce(max(seq), 0) + 1 FROM experiments WHERE lab_id = $lab AND idea = $idea";
        command.Parameters.AddWithValue("$lab", lab);
        command.Parameters.AddWithValue("$idea", idea);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    private async Task<IReadOnlyList<ExperimentRecord>> QueryAsync(string where, IEnumerable<(string Name, object Value)> parameters, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM experiments e WHERE {where}";
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        var list = new List<ExperimentRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(Read(reader));
        }
        return list;
    }

    private static ExperimentRecord Read(SqliteDataReader r)
    {
        var idea = r.GetInt32(2);
        var seq = r.GetInt32(3);
        return new ExperimentRecord(
            r.GetInt64(0),
            new ExperimentLabel(idea, seq).ToString(),
            r.GetString(1),
            idea,
            seq,
            r.GetString(4),
            JsonSerializer.Deserialize(r.GetString(5), ExperimentsJsonContext.Default.ListString) ?? [],
            JsonSerializer.Deserialize(r.GetString(6), ExperimentsJsonContext.Default.SortedDictionaryStringString) ?? [],
            JsonSerializer.Deserialize(r.GetString(20), ExperimentsJsonContext.Default.ListString) ?? [],
            r.GetInt32(7),
            r.IsDBNull(8) ? null : JsonSerializer.Deserialize(r.GetString(8), ExperimentsJsonContext.Default.ListInt32),
            r.IsDBNull(9) ? null : r.GetInt32(9),
            r.GetInt32(10),
            r.GetString(11),
            r.GetString(12),
            r.IsDBNull(13) ? null : r.GetString(13),
            r.IsDBNull(14) ? null : r.GetString(14),
            r.IsDBNull(15) ? null : r.GetInt32(15),
            r.IsDBNull(16) ? null : JsonSerializer.Deserialize(r.GetString(16), ExperimentsJsonContext.Default.SortedDictionaryStringDouble),
            DateTimeOffset.Parse(r.GetString(17), CultureInfo.InvariantCulture),
            r.IsDBNull(18) ? null : DateTimeOffset.Parse(r.GetString(18), CultureInfo.InvariantCulture),
            r.IsDBNull(19) ? null : DateTimeOffset.Parse(r.GetString(19), CultureInfo.InvariantCulture));
    }
}
