using Labd.Store;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Labd.Tests.Store;

/// <summary>The events table as the event stream reads it: each event's lab, bounded retention, the commit signal.</summary>
public sealed class EventLogTests : IDisposable
{
    private const string Rows = """
        INSERT INTO labs (id, path, owner_uid, policy, main_branch, metrics, created_at) VALUES ('cifar', '/x', 1000, 'default', 'main', '[]', 't');
        INSERT INTO experiments (id, lab_id, idea, seq, commit_sha, command, meta, dedupe_key, gpus, submitter, submitter_uid, status, created_at)
            VALUES (7, 'cifar', 1, 1, 'c', '[]', '{}', 'k', 0, 'user:1000', 1000, 'queued', 't');
        INSERT INTO agents (id, lab_id, role, kind, command, output, status, branch, worktree, policy, owner_uid, created_by, created_at)
            VALUES (3, 'cifar', 'main', 'custom', '[]', 'o', 'running', 'agent/3', '/w', 'default', 1000, 'user:1000', 't');
        """;

    /// <summary>A recorded time, as labd writes them.</summary>
    private const string At = "2026-01-01T00:00:00.0000000+00:00";

    private readonly string _dir = Path.Combine(Directory.CreateTempSubdirectory("labdt-events-").FullName, "state");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(Path.GetDirectoryName(_dir)!, recursive: true);
    }

    [Theory(Timeout = 20000)]
    [InlineData("note.add", "lab/cifar", "cifar")]
    [InlineData("idea.new", "lab/cifar/idea/2", "cifar")]
    [InlineData("lab.policy", "cifar", "cifar")]
    [InlineData("exp.end", "7", "cifar")]
    [InlineData("agent.turn.end", "3", "cifar")]
    [InlineData("exp.end", "8", null)]
    [InlineData("policy.reload", "/etc/labd/policies", null)]
    [InlineData("run.start", "7", null)]
    [InlineData("admin.note", null, null)]
    public async Task Each_event_belongs_to_the_lab_its_subject_names(string kind, string? subject, string? lab)
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await StateStore.OpenAsync(_dir, NullLogger.Instance, ct);
        await ExecuteAsync(store, Rows);

        var stored = await store.AppendEventAsync(Actor.Daemon, kind, subject, null, ct);

        Assert.Equal(lab, stored.Lab);
        Assert.Equal(lab, (await store.ReadEventsAsync(0, 10, ct)).Single().Lab);
    }

    [Fact(Timeout = 20000)]
    public async Task Migration_7_gives_earlier_events_their_lab_by_the_same_rule()
    {
        var ct = TestContext.Current.CancellationToken;
        Directory.CreateDirectory(_dir);
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(_dir, StateStore.FileName)};Pooling=False"))
        {
            await connection.OpenAsync(ct);
            await Migrator.ApplyAsync(connection, [.. Migrations.All.Where(m => m.Version < 7)], NullLogger.Instance, ct);
            await using var command = connection.CreateCommand();
            command.CommandText = Rows + """
                INSERT INTO events (at, actor_kind, kind, subject) VALUES ($at, 'labd', 'exp.start', '7'), ($at, 'labd', 'note.add', 'lab/cifar'), ($at, 'labd', 'policy.reload', 'x');
                """;
            command.Parameters.AddWithValue("$at", At);
            await command.ExecuteNonQueryAsync(ct);
        }

        var store = await StateStore.OpenAsync(_dir, NullLogger.Instance, ct);

        Assert.Equal(["cifar", "cifar", null], (await store.ReadEventsAsync(0, 10, ct)).Select(e => e.Lab));
    }

    [Fact(Timeout = 20000)]
    public async Task Appends_prune_events_older_than_the_retained_window_and_nothing_newer_can_be_deleted()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await StateStore.OpenAsync(_dir, NullLogger.Instance, ct);
        var next = StateStore.RetainedEvents + 2 * StateStore.PruneEvery;
        var kept = next - StateStore.RetainedEvents + 1;
        // Ids as if that many events had come before: one beyond the window, one just inside it.
        await ExecuteAsync(store, $"""
            INSERT INTO events (id, at, actor_kind, kind) VALUES (1, '{At}', 'labd', 'old'), ({kept}, '{At}', 'labd', 'kept'), ({next - 1}, '{At}', 'labd', 'last');
            """);
        await using var connection = await store.OpenConnectionAsync(ct);
        await using var early = connection.CreateCommand();
        early.CommandText = $"DELETE FROM events WHERE id = {kept};";
        var refused = await Assert.ThrowsAsync<SqliteException>(() => early.ExecuteNonQueryAsync(ct));

        var appended = await store.AppendEventAsync(Actor.Daemon, "new", null, null, ct);

        Assert.Contains("append-only", refused.Message, StringComparison.Ordinal);
        Assert.Equal(next, appended.Id);
        Assert.Equal(["kept", "last", "new"], (await store.ReadEventsAsync(0, 10, ct)).Select(e => e.Kind));
    }

    [Fact(Timeout = 20000)]
    public async Task The_feed_wakes_a_waiter_taken_before_an_append_and_not_one_taken_after()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await StateStore.OpenAsync(_dir, NullLogger.Instance, ct);
        var before = store.Feed.Next;

        await store.AppendEventAsync(Actor.Daemon, "n", null, null, ct);
        var after = store.Feed.Next;

        await before.WaitAsync(ct);
        Assert.False(after.IsCompleted);
    }

    private static async Task ExecuteAsync(StateStore store, string sql)
    {
        await using var connection = await store.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
