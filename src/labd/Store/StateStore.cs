using System.Globalization;
using Labd.Logging;
using Microsoft.Data.Sqlite;

namespace Labd.Store;

/// <summary>
/// labd's records in SQLite at <c>&lt;stateDir&gt;/labd.db</c>: WAL, <c>synchronous=FULL</c>
/// so a write acknowledged to a caller survives <c>kill -9</c> and power loss, foreign keys
/// on, a busy timeout for concurrent writers. Schema from <see cref="Migrations"/>.
/// </summary>
internal sealed class StateStore
{
    public const string FileName = "labd.db";
    internal const UnixFileMode StateDirMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly string _connectionString;

    private StateStore(string path)
    {
        DatabasePath = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public string DatabasePath { get; }

    /// <summary>Creates the state directory (0700), opens the database and applies pending migrations in one transaction.</summary>
    public static async Task<StateStore> OpenAsync(string stateDir, ILogger logger, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(stateDir, StateDirMode);
        // Never more than 0711, but keep an existing traverse bit: sandboxes that survived a restart
        // (and ones starting right now) reach their run directories through it (the runs component sets 0711).
        var traverse = UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(stateDir, StateDirMode | (File.GetUnixFileMode(stateDir) & traverse));
        var store = new StateStore(Path.Combine(stateDir, FileName));
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (var wal = connection.CreateCommand())
        {
            // journal_mode is persistent and cannot change inside a transaction.
            wal.CommandText = "PRAGMA journal_mode=WAL;";
            await wal.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        var version = await Migrator.ApplyAsync(connection, Migrations.All, logger, cancellationToken).ConfigureAwait(false);
        LabdLog.StoreOpened(logger, store.DatabasePath, version);
        return store;
    }

    /// <summary>Opens a pooled connection with labd's per-connection pragmas applied.</summary>
    public async Task<SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var pragmas = connection.CreateCommand();
            pragmas.CommandText = "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;";
            await pragmas.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Wakes the event stream's followers and waiters; rung after every commit that appended an event.</summary>
    public EventFeed Feed { get; } = new();

    /// <summary>Appends to the audit log; returns once the row is durably committed (and followers are woken).</summary>
    public async Task<StoredEvent> AppendEventAsync(Actor actor, string kind, string? subject, string? dataJson, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var stored = await AppendEventAsync(connection, null, actor, kind, subject, dataJson, cancellationToken).ConfigureAwait(false);
        Feed.Notify();
        return stored;
    }

    /// <summary>Commits a transaction that appended events (<see cref="AppendEventAsync(SqliteConnection, SqliteTransaction?, Actor, string, string?, string?, CancellationToken)"/>),
    /// then wakes the followers: they read from the database, so they must not wake before the commit.</summary>
    public async Task CommitAsync(SqliteTransaction transaction, CancellationToken cancellationToken)
    {
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        Feed.Notify();
    }

    /// <summary>How many of the newest events are kept; older ones are pruned (docs/api.md, "Events").</summary>
    public const long RetainedEvents = 100_000;

    /// <summary>Every this many appends, the events older than the newest <see cref="RetainedEvents"/> are deleted.</summary>
    internal const long PruneEvery = 1000;

    /// <summary>
    /// The lab an event belongs to, from its kind and subject as the services write them: a
    /// subject <c>lab/ID[/...]</c> (tracker), <c>lab.policy</c>'s bare lab id, an experiment's or
    /// an agent's id (exp.*, agent.*). Migration 7 filled older rows by the same rule.
    /// </summary>
    internal const string LabOfEvent = """
        CASE
            WHEN $subject LIKE 'lab/%' THEN CASE WHEN instr(substr($subject, 5), '/') > 0 THEN substr($subject, 5, instr(substr($subject, 5), '/') - 1) ELSE substr($subject, 5) END
            WHEN $kind = 'lab.policy' THEN $subject
            WHEN substr($kind, 1, 4) = 'exp.' THEN (SELECT lab_id FROM experiments WHERE id = CAST($subject AS INTEGER))
            WHEN substr($kind, 1, 6) = 'agent.' THEN (SELECT lab_id FROM agents WHERE id = CAST($subject AS INTEGER))
        END
        """;

    /// <summary>Appends to the audit log inside the caller's transaction, so the event commits (or
    /// not) together with the change it records. Commit with <see cref="CommitAsync"/>, which wakes followers.</summary>
    public static async Task<StoredEvent> AppendEventAsync(SqliteConnection connection, SqliteTransaction? transaction, Actor actor, string kind, string? subject, string? dataJson, CancellationToken cancellationToken)
    {
        var at = DateTimeOffset.UtcNow;
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            INSERT INTO events (at, actor_kind, actor_uid, kind, subject, data, lab_id)
            VALUES ($at, $actorKind, $actorUid, $kind, $subject, $data, {LabOfEvent})
            RETURNING id, lab_id;
            """;
        command.Parameters.AddWithValue("$at", at.ToString("O", CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$actorKind", actor.Kind);
        command.Parameters.AddWithValue("$actorUid", (object?)actor.Uid ?? DBNull.Value);
        command.Parameters.AddWithValue("$kind", kind);
        command.Parameters.AddWithValue("$subject", (object?)subject ?? DBNull.Value);
        command.Parameters.AddWithValue("$data", (object?)dataJson ?? DBNull.Value);
        long id;
        string? lab;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            id = reader.GetInt64(0);
            lab = reader.IsDBNull(1) ? null : reader.GetString(1);
        }
        if (id % PruneEvery == 0)
        {
            await using var prune = connection.CreateCommand();
            prune.Transaction = transaction;
            prune.CommandText = "DELETE FROM events WHERE id <= $id - $keep;";
            prune.Parameters.AddWithValue("$id", id);
            prune.Parameters.AddWithValue("$keep", RetainedEvents);
            await prune.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        return new StoredEvent(id, at, actor, kind, subject, dataJson, lab);
    }

    /// <summary>Reads events after <paramref name="afterId"/>, oldest first.</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(long afterId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, at, actor_kind, actor_uid, kind, subject, data, lab_id FROM events WHERE id > $after ORDER BY id LIMIT $limit;";
        command.Parameters.AddWithValue("$after", afterId);
        command.Parameters.AddWithValue("$limit", limit);
        var events = new List<StoredEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            events.Add(StoredEvent.Read(reader));
        }
        return events;
    }

    /// <summary>Row counts of the tables listed in <see cref="Migrations.CountedTables"/>.</summary>
    /// <summary>What one user may count: the rows of <paramref name="labs"/> (labs, ideas, experiments,
    /// agents) and their own <c>labctl run</c>s; nothing host-wide (events are the admins').</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountsAsync(IReadOnlyList<string> labs, int uid, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal) { ["labs"] = labs.Count };
        // Lab ids go in as parameters ($l0, $l1, ...; SQLite accepts an empty list); table names come from this constant list.
        var names = string.Join(", ", labs.Select((_, i) => "$l" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        foreach (var table in (string[])["ideas", "experiments", "agents"])
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT count(*) FROM {table} WHERE lab_id IN ({names});";
            for (var i = 0; i < labs.Count; i++)
            {
                command.Parameters.AddWithValue("$l" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), labs[i]);
            }
            counts[table] = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        await using (var runs = connection.CreateCommand())
        {
            runs.CommandText = "SELECT count(*) FROM runs WHERE caller_uid = $uid;";
            runs.Parameters.AddWithValue("$uid", uid);
            counts["runs"] = (long)(await runs.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        return counts;
    }

    /// <summary>Host-wide counts of every counted table (admins).</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in Migrations.CountedTables)
        {
            await using var command = connection.CreateCommand();
            // Table names come from the constant list above, never from a request.
            command.CommandText = $"SELECT count(*) FROM {table};";
            counts[table] = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        return counts;
    }
}
