using Labd.Store;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Labd.Tests.Store;

public sealed class StateStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Directory.CreateTempSubdirectory("labdt-store-").FullName, "state");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(Path.GetDirectoryName(_dir)!, recursive: true);
    }

    [Fact(Timeout = 20000)]
    public async Task Opening_creates_a_private_state_dir_in_WAL_mode_at_the_latest_schema()
    {
        var store = await StateStore.OpenAsync(_dir, NullLogger.Instance, TestContext.Current.CancellationToken);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_dir));
        await using var connection = await store.OpenConnectionAsync(TestContext.Current.CancellationToken);
        Assert.Equal("wal", await ScalarAsync(connection, "PRAGMA journal_mode;"));
        Assert.Equal(2L, await ScalarAsync(connection, "PRAGMA synchronous;"));
        Assert.Equal(1L, await ScalarAsync(connection, "PRAGMA foreign_keys;"));
        Assert.Equal((long)Migrations.All[^1].Version, await ScalarAsync(connection, "SELECT max(version) FROM schema_version;"));
    }

    [Fact(Timeout = 20000)]
    public async Task Reopening_applies_no_migration_twice_and_keeps_the_data()
    {
        var store = await StateStore.OpenAsync(_dir, NullLogger.Instance, TestContext.Current.CancellationToken);
        await store.AppendEventAsync(Actor.Daemon, "started", null, null, TestContext.Current.CancellationToken);

        var again = await StateStore.OpenAsync(_dir, NullLogger.Instance, TestContext.Current.CancellationToken);

        await using var connection = await again.OpenConnectionAsync(TestContext.Current.CancellationToken);
        Assert.Equal((long)Migrations.All.Count, await ScalarAsync(connection, "SELECT count(*) FROM schema_version;"));
        Assert.Equal(1L, (await again.CountsAsync(TestContext.Current.CancellationToken))["events"]);
    }

    [Fact(Timeout = 20000)]
    public async Task Appended_events_read_back_in_order_with_their_actor_and_data()
    {
        var store = await StateStore.OpenAsync(_dir, NullLogger.Instance, TestContext.Current.CancellationToken);

        var first = await store.AppendEventAsync(new Actor("admin", 0), "admin.note", "gpu3", """{"reason":"fan"}""", TestContext.Current.CancellationToken);
        var second = await store.AppendEventAsync(new Actor("user", 1000), "lab.created", "lab/1", null, TestContext.Current.CancellationToken);

        var events = await store.ReadEventsAsync(0, 10, TestContext.Current.CancellationToken);
        Assert.Equal([first.Id, second.Id], events.Select(e => e.Id));
        Assert.True(second.Id > first.Id);
        Assert.Equal(new Actor("admin", 0), events[0].Actor);
        Assert.Equal("gpu3", events[0].Subject);
        Assert.Equal("""{"reason":"fan"}""", events[0].DataJson);
        Assert.Null(events[1].DataJson);
    }

    [Theory(Timeout = 20000)]
    [InlineData("UPDATE events SET kind = 'forged';")]
    [InlineData("DELETE FROM events;")]
    public async Task The_events_table_refuses_updates_and_deletes(string sql)
    {
        var store = await StateStore.OpenAsync(_dir, NullLogger.Instance, TestContext.Current.CancellationToken);
        await store.AppendEventAsync(Actor.Daemon, "started", null, null, TestContext.Current.CancellationToken);
        await using var connection = await store.OpenConnectionAsync(TestContext.Current.CancellationToken);

        var e = await Assert.ThrowsAsync<SqliteException>(() => ScalarAsync(connection, sql));

        Assert.Contains("events are append-only", e.Message, StringComparison.Ordinal);
        Assert.Equal("started", (await store.ReadEventsAsync(0, 10, TestContext.Current.CancellationToken)).Single().Kind);
    }

    [Fact(Timeout = 20000)]
    public async Task Invalid_json_data_is_refused_by_the_schema()
    {
        var store = await StateStore.OpenAsync(_dir, NullLogger.Instance, TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<SqliteException>(() => store.AppendEventAsync(Actor.Daemon, "x", null, "{not json", TestContext.Current.CancellationToken));
    }

    [Fact(Timeout = 20000)]
    public async Task A_database_from_a_newer_labd_is_refused_with_the_next_step()
    {
        var store = await StateStore.OpenAsync(_dir, NullLogger.Instance, TestContext.Current.CancellationToken);
        await using (var connection = await store.OpenConnectionAsync(TestContext.Current.CancellationToken))
        {
            await ScalarAsync(connection, "INSERT INTO schema_version VALUES (9999, 'future', '2030-01-01');");
        }

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => StateStore.OpenAsync(_dir, NullLogger.Instance, TestContext.Current.CancellationToken));

        Assert.Contains("schema is version 9999", e.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task Concurrent_appends_all_commit_with_distinct_ids()
    {
        var store = await StateStore.OpenAsync(_dir, NullLogger.Instance, TestContext.Current.CancellationToken);

        var ids = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            Task.Run(() => store.AppendEventAsync(Actor.Daemon, "n", i.ToString(System.Globalization.CultureInfo.InvariantCulture), null, TestContext.Current.CancellationToken))));

        Assert.Equal(50, ids.Select(e => e.Id).Distinct().Count());
        Assert.Equal(50L, (await store.CountsAsync(TestContext.Current.CancellationToken))["events"]);
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
    }
}
