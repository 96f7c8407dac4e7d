namespace Labd.Store;

/// <summary>
/// The schema, as an append-only list. To change it, add the next number at the end;
/// never edit a migration that has shipped. Components own their tables but register
/// their steps here so the order is global.
/// </summary>
internal static class Migrations
{
    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, "events: append-only audit log", """
            CREATE TABLE events (
                id         INTEGER PRIMARY KEY AUTOINCREMENT,
                at         TEXT    NOT NULL,
                actor_kind TEXT    NOT NULL,
                actor_uid  INTEGER,
                kind       TEXT    NOT NULL,
                subject    TEXT,
                data       TEXT    CHECK (data IS NULL OR json_valid(data))
            ) STRICT;
            CREATE INDEX events_kind ON events (kind, id);
            CREATE INDEX events_subject ON events (subject, id);
            CREATE TRIGGER events_no_update BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
            CREATE TRIGGER events_no_delete BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
            """),
        new(2, "runs: one row per sandboxed run", """
            CREATE TABLE runs (
                id                TEXT    PRIMARY KEY,
                created_at        TEXT    NOT NULL,
                caller_uid        INTEGER NOT NULL,
                caller_kind       TEXT    NOT NULL,
                policy            TEXT    NOT NULL,
                policy_hash       TEXT    NOT NULL,
                command           TEXT    NOT NULL CHECK (json_valid(command)),
                working_directory TEXT    NOT NULL,
                gpus              INTEGER NOT NULL,
                status            TEXT    NOT NULL,
                outcome           TEXT,
                exit_code         INTEGER,
                message           TEXT,
                started_at        TEXT,
                ended_at          TEXT
            ) STRICT;
            CREATE INDEX runs_caller ON runs (caller_uid, created_at);
            CREATE INDEX runs_status ON runs (status);
            """),
    ];

    /// <summary>Tables whose row counts <c>GET /v1/status</c> reports.</summary>
    public static IReadOnlyList<string> CountedTables { get; } = ["events", "runs"];
}
