using System.Globalization;
using Labd.Api;
using Labd.Runs;
using Labd.SandboxPolicy;
using Labd.Store;
using Labd.Tracker;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Labd.Tests.Tracker;

/// <summary>
/// A temp state store migrated by the real migrator, with the tracker's services over it, and
/// helpers that insert labs, ideas and experiments directly (experiments are another component's).
/// </summary>
internal sealed class TrackerDb : IAsyncDisposable
{
    public static readonly Caller Owner = new(CallerKind.User, 1000, 1000, 1, "owner");
    public static readonly Caller Stranger = new(CallerKind.User, 1001, 1001, 1, "stranger");
    public static readonly Caller Admin = new(CallerKind.Admin, 0, 0, 1, "root");

    private readonly string _dir;
    private DateTimeOffset _clock = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private TrackerDb(string dir, StateStore store)
    {
        _dir = dir;
        Store = store;
        Access = new LabAccess(store);
        Options = new TrackerOptions { StateDirectory = Path.Combine(dir, "state") };
        Labs = new LabService(store, Access, new NoPolicies(), Options, NullLogger<LabService>.Instance);
        Ideas = new IdeaService(store, Access, NullLogger<IdeaService>.Instance);
        Notes = new NoteService(store, Access);
        Messages = new MessageService(store, Access);
        Tags = new TagService(store, Access);
        Search = new SearchService(store, Access);
        Leaderboard = new LeaderboardService(store, Access);
        Orient = new OrientService(store, Access);
    }

    public StateStore Store { get; }

    public LabAccess Access { get; }

    public TrackerOptions Options { get; }

    public LabService Labs { get; }

    public IdeaService Ideas { get; }

    public NoteService Notes { get; }

    public MessageService Messages { get; }

    public TagService Tags { get; }

    public SearchService Search { get; }

    public LeaderboardService Leaderboard { get; }

    public OrientService Orient { get; }

    public static async Task<TrackerDb> OpenAsync()
    {
        var dir = Directory.CreateTempSubdirectory("labdt-tracker-").FullName;
        var store = await StateStore.OpenAsync(Path.Combine(dir, "state"), NullLogger.Instance, TestContext.Current.CancellationToken);
        return new TrackerDb(dir, store);
    }

    public static Caller Agent(string lab, string agentId, string? role = null) => new(CallerKind.Agent, 60000, 60000, 1, "sbx", new CallerScope(lab, agentId, null) { Role = role });

    /// <summary>Inserts an agents row (the agents service is another component's); returns its id.</summary>
    public async Task<long> AddAgentAsync(string lab, string role, int turns, double costUsd, int? maxTurns, double? budgetUsd, DateTimeOffset? until, int? intervalSeconds = 900)
    {
        await using var connection = await Store.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO agents (lab_id, role, kind, command, output, status, interval_s, max_turns, budget_usd, until, turns, cost_usd, branch, worktree, policy, owner_uid, created_by, created_at)
            VALUES ($lab, $role, 'custom', '["/bin/sh","-c","true"]', 'text', 'running', $interval, $max, $budget, $until, $turns, $cost, 'agent/x', '/w', 'default', 1000, 'user:1000', '2026-01-01T00:00:00.0000000+00:00')
            RETURNING id;
            """;
        command.Parameters.AddWithValue("$lab", lab);
        command.Parameters.AddWithValue("$role", role);
        command.Parameters.AddWithValue("$interval", (object?)intervalSeconds ?? DBNull.Value);
        command.Parameters.AddWithValue("$max", (object?)maxTurns ?? DBNull.Value);
        command.Parameters.AddWithValue("$budget", (object?)budgetUsd ?? DBNull.Value);
        command.Parameters.AddWithValue("$until", until is { } u ? u.ToString("O", CultureInfo.InvariantCulture) : DBNull.Value);
        command.Parameters.AddWithValue("$turns", turns);
        command.Parameters.AddWithValue("$cost", costUsd);
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    public async Task AddLabAsync(string id, string path, int ownerUid = 1000, string metrics = """[{"name":"score","direction":"max"}]""")
    {
        await ExecuteAsync("INSERT INTO labs (id, path, owner_uid, policy, main_branch, metrics, created_at) VALUES ($id, $path, $owner, 'default', 'main', $metrics, '2026-01-01T00:00:00.0000000+00:00');",
            ("$id", id), ("$path", path), ("$owner", ownerUid), ("$metrics", metrics));
    }

    public async Task AddIdeaAsync(string lab, int number, string title, string status = "active", params int[] parents)
    {
        await ExecuteAsync("""
            INSERT INTO ideas (lab_id, number, title, description, status, parents, branch, base_commit, created_by, created_at, updated_at)
            VALUES ($lab, $n, $title, '', $status, $parents, $branch, 'abc123', 'user:1000', '2026-01-01T00:00:00.0000000+00:00', '2026-01-01T00:00:00.0000000+00:00');
            """, ("$lab", lab), ("$n", number), ("$title", title), ("$status", status), ("$parents", "[" + string.Join(',', parents) + "]"), ("$branch", "idea/" + number));
    }

    /// <summary>Inserts an experiment (seq: next for the idea) that ended one minute after the previous one; returns its id.</summary>
    public async Task<long> AddExperimentAsync(string lab, int idea, string status, IReadOnlyDictionary<string, double>? metrics = null, params string[] tags)
    {
        _clock = _clock.AddMinutes(1);
        await using var connection = await Store.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO experiments (lab_id, idea, seq, commit_sha, command, meta, dedupe_key, gpus, submitter, submitter_uid, status, reason, created_at, started_at, ended_at)
            VALUES ($lab, $idea, (SELECT coalesce(max(seq), 0) + 1 FROM experiments WHERE lab_id = $lab AND idea = $idea), 'c0ffee' || $idea, '["python3","train.py"]', '{}', 'k', 0, 'agent:a', 60000, $status,
                    CASE WHEN $status IN ('failed', 'timed_out') THEN 'exit 1' END, $at, $at, CASE WHEN $status IN ('queued', 'running') THEN NULL ELSE $at END)
            RETURNING id;
            """;
        command.Parameters.AddWithValue("$lab", lab);
        command.Parameters.AddWithValue("$idea", idea);
        command.Parameters.AddWithValue("$status", status);
        command.Parameters.AddWithValue("$at", _clock.ToString("O", CultureInfo.InvariantCulture));
        var id = (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
        foreach (var (name, value) in metrics ?? new Dictionary<string, double>())
        {
            await ExecuteAsync("INSERT INTO experiment_metrics (experiment, name, value) VALUES ($e, $n, $v);", ("$e", id), ("$n", name), ("$v", value));
        }
        foreach (var tag in tags)
        {
            await ExecuteAsync("INSERT INTO experiment_tags (experiment, tag) VALUES ($e, $t);", ("$e", id), ("$t", tag));
        }
        return id;
    }

    public async Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await Store.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
        return ValueTask.CompletedTask;
    }

    private sealed class NoPolicies : IRunPolicies
    {
        public IReadOnlyCollection<string> Names => [];

        public EffectivePolicy? Find(string name) => null;
    }
}
