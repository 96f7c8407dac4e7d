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
        new(3, "tracker: labs, ideas, notes, experiments, tags, metrics, messages, search", """
            CREATE TABLE labs (
                id             TEXT    PRIMARY KEY,
                path           TEXT    NOT NULL UNIQUE,
                owner_uid      INTEGER NOT NULL,
                policy         TEXT    NOT NULL,
                main_branch    TEXT    NOT NULL,
                metrics        TEXT    NOT NULL CHECK (json_valid(metrics)),
                created_at     TEXT    NOT NULL
            ) STRICT;
            CREATE TABLE ideas (
                lab_id         TEXT    NOT NULL REFERENCES labs (id) ON DELETE CASCADE,
                number         INTEGER NOT NULL,
                title          TEXT    NOT NULL,
                description    TEXT    NOT NULL DEFAULT '',
                status         TEXT    NOT NULL CHECK (status IN ('suggested', 'active', 'concluded', 'abandoned')),
                parents        TEXT    NOT NULL CHECK (json_valid(parents)),
                branch         TEXT    NOT NULL,
                base_commit    TEXT    NOT NULL,
                conclusion     TEXT,
                created_by     TEXT    NOT NULL,
                created_at     TEXT    NOT NULL,
                updated_at     TEXT    NOT NULL,
                PRIMARY KEY (lab_id, number)
            ) STRICT;
            CREATE TABLE notes (
                id             INTEGER PRIMARY KEY AUTOINCREMENT,
                lab_id         TEXT    NOT NULL REFERENCES labs (id) ON DELETE CASCADE,
                idea           INTEGER,
                experiment     INTEGER,
                level          TEXT    NOT NULL CHECK (level IN ('insight', 'milestone', 'observation', 'debug')),
                text           TEXT    NOT NULL,
                author         TEXT    NOT NULL,
                at             TEXT    NOT NULL
            ) STRICT;
            CREATE INDEX notes_lab ON notes (lab_id, idea, id);
            CREATE TABLE experiments (
                id             INTEGER PRIMARY KEY AUTOINCREMENT,
                lab_id         TEXT    NOT NULL REFERENCES labs (id) ON DELETE CASCADE,
                idea           INTEGER NOT NULL,
                seq            INTEGER NOT NULL,
                commit_sha     TEXT    NOT NULL,
                command        TEXT    NOT NULL CHECK (json_valid(command)),
                meta           TEXT    NOT NULL CHECK (json_valid(meta)),
                dedupe_key     TEXT    NOT NULL,
                gpus           INTEGER NOT NULL,
                gpu_ids        TEXT    CHECK (gpu_ids IS NULL OR json_valid(gpu_ids)),
                timeout_s      INTEGER,
                priority       INTEGER NOT NULL DEFAULT 0,
                submitter      TEXT    NOT NULL,
                submitter_uid  INTEGER NOT NULL,
                status         TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out')),
                reason         TEXT,
                run_id         TEXT,
                exit_code      INTEGER,
                metrics        TEXT    CHECK (metrics IS NULL OR json_valid(metrics)),
                created_at     TEXT    NOT NULL,
                started_at     TEXT,
                ended_at       TEXT,
                UNIQUE (lab_id, idea, seq)
            ) STRICT;
            CREATE INDEX experiments_queue ON experiments (status, priority, id);
            CREATE INDEX experiments_lab ON experiments (lab_id, idea, id);
            CREATE INDEX experiments_dedupe ON experiments (lab_id, dedupe_key);
            CREATE TABLE experiment_tags (
                experiment     INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
                tag            TEXT    NOT NULL,
                PRIMARY KEY (experiment, tag)
            ) STRICT;
            CREATE INDEX experiment_tags_tag ON experiment_tags (tag, experiment);
            CREATE TABLE experiment_metrics (
                experiment     INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
                name           TEXT    NOT NULL,
                value          REAL    NOT NULL,
                PRIMARY KEY (experiment, name)
            ) STRICT;
            CREATE INDEX experiment_metrics_name ON experiment_metrics (name, value);
            CREATE TABLE messages (
                id             INTEGER PRIMARY KEY AUTOINCREMENT,
                lab_id         TEXT    NOT NULL REFERENCES labs (id) ON DELETE CASCADE,
                sender         TEXT    NOT NULL,
                recipient      TEXT    NOT NULL,
                text           TEXT    NOT NULL,
                at             TEXT    NOT NULL
            ) STRICT;
            CREATE INDEX messages_lab ON messages (lab_id, id);
            CREATE TABLE message_reads (
                message        INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
                reader         TEXT    NOT NULL,
                at             TEXT    NOT NULL,
                PRIMARY KEY (message, reader)
            ) STRICT;
            CREATE TABLE orient_marks (
                lab_id         TEXT    NOT NULL REFERENCES labs (id) ON DELETE CASCADE,
                reader         TEXT    NOT NULL,
                last_experiment INTEGER NOT NULL,
                at             TEXT    NOT NULL,
                PRIMARY KEY (lab_id, reader)
            ) STRICT;
            CREATE VIRTUAL TABLE search_index USING fts5 (lab_id UNINDEXED, kind UNINDEXED, ref UNINDEXED, text, tokenize = 'unicode61');
            """),
        new(4, "experiments: per-lab status index (orient's running, queued and failures)", """
            CREATE INDEX experiments_lab_status ON experiments (lab_id, status, ended_at);
            """),
        new(5, "agents: sessions and their turns", """
            CREATE TABLE agents (
                id             INTEGER PRIMARY KEY AUTOINCREMENT,
                lab_id         TEXT    NOT NULL REFERENCES labs (id) ON DELETE CASCADE,
                role           TEXT    NOT NULL,
                kind           TEXT    NOT NULL,
                command        TEXT    NOT NULL CHECK (json_valid(command)),
                output         TEXT    NOT NULL,
                status         TEXT    NOT NULL CHECK (status IN ('running', 'stopping', 'stopped', 'finished', 'failed')),
                reason         TEXT,
                interval_s     INTEGER,
                max_turns      INTEGER,
                budget_usd     REAL,
                until          TEXT,
                turns          INTEGER NOT NULL DEFAULT 0,
                cost_usd       REAL    NOT NULL DEFAULT 0,
                input_tokens   INTEGER NOT NULL DEFAULT 0,
                output_tokens  INTEGER NOT NULL DEFAULT 0,
                branch         TEXT    NOT NULL,
                worktree       TEXT    NOT NULL,
                policy         TEXT    NOT NULL,
                owner_uid      INTEGER NOT NULL,
                created_by     TEXT    NOT NULL,
                created_at     TEXT    NOT NULL,
                next_turn_at   TEXT,
                ended_at       TEXT
            ) STRICT;
            CREATE INDEX agents_lab ON agents (lab_id, id);
            CREATE INDEX agents_status ON agents (status);
            CREATE TABLE agent_turns (
                agent          INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
                number         INTEGER NOT NULL,
                run_id         TEXT,
                status         TEXT    NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'stopped')),
                exit_code      INTEGER,
                started_at     TEXT    NOT NULL,
                ended_at       TEXT,
                cost_usd       REAL,
                input_tokens   INTEGER,
                output_tokens  INTEGER,
                PRIMARY KEY (agent, number)
            ) STRICT;
            """),
        new(6, "agents: failed turns in a row and their limit; each turn's reason", """
            ALTER TABLE agents ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE agents ADD COLUMN max_failures INTEGER NOT NULL DEFAULT 3;
            ALTER TABLE agent_turns ADD COLUMN reason TEXT;
            """),
        new(7, "events: the lab each belongs to (the event stream's filter and visibility); bounded retention", """
            ALTER TABLE events ADD COLUMN lab_id TEXT;
            DROP TRIGGER events_no_update;
            UPDATE events SET lab_id = CASE
                WHEN subject LIKE 'lab/%' THEN CASE WHEN instr(substr(subject, 5), '/') > 0 THEN substr(subject, 5, instr(substr(subject, 5), '/') - 1) ELSE substr(subject, 5) END
                WHEN kind = 'lab.policy' THEN subject
                WHEN substr(kind, 1, 4) = 'exp.' THEN (SELECT lab_id FROM experiments WHERE id = CAST(subject AS INTEGER))
                WHEN substr(kind, 1, 6) = 'agent.' THEN (SELECT lab_id FROM agents WHERE id = CAST(subject AS INTEGER))
            END;
            CREATE TRIGGER events_no_update BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
            DROP TRIGGER events_no_delete;
            CREATE TRIGGER events_no_delete BEFORE DELETE ON events
            WHEN old.id > (SELECT max(id) FROM events) - 100000
            BEGIN SELECT RAISE(ABORT, 'events are append-only; only those older than the newest 100000 are pruned'); END;
            CREATE INDEX events_lab ON events (lab_id, id);
            """),
    ];

    /// <summary>Tables whose row counts <c>GET /v1/status</c> reports.</summary>
    public static IReadOnlyList<string> CountedTables { get; } = ["events", "runs", "labs", "ideas", "experiments", "agents"];
}
