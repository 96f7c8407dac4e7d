using System.Collections.Concurrent;
using System.Net.Http.Json;
using Labd.Interop;
using Labd.Protocol;
using Microsoft.Data.Sqlite;

namespace Labd.IntegrationTests.Daemon;

public sealed class CrashTests
{
    private const int Rounds = 20;
    private const int Writers = 8;
    private const int AcksBeforeKill = 25;

    [Fact(Timeout = 180000)]
    public async Task Every_acknowledged_event_survives_SIGKILL_mid_burst_twenty_times_over()
    {
        Root.Require("labd binds its socket with root ownership");
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TestDir();
        var acknowledged = new ConcurrentDictionary<long, byte>();

        for (var round = 0; round < Rounds; round++)
        {
            await using var labd = LabdProcess.Start(dir);
            await labd.WaitUntilAnsweringAsync(ct);
            var ackedThisRound = 0;
            var enoughAcks = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var client = labd.Client();
            var writers = Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
            {
                for (var i = 0; ; i++)
                {
                    try
                    {
                        using var response = await client.PostAsJsonAsync(Routes.Events,
                            new EventAppendRequest("crash-test", $"round {round} writer {writer} #{i}", null),
                            ProtocolJsonContext.Default.EventAppendRequest, ct);
                        var appended = await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync(ProtocolJsonContext.Default.EventAppended, ct);
                        acknowledged.TryAdd(appended!.Id, 0);
                        if (Interlocked.Increment(ref ackedThisRound) == AcksBeforeKill)
                        {
                            enoughAcks.TrySetResult();
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or IOException or System.Text.Json.JsonException)
                    {
                        // labd is gone (killed): anything not acknowledged may or may not be stored.
                        return;
                    }
                }
            }, ct)).ToList();

            await enoughAcks.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
            labd.Signal(Signals.SIGKILL);
            await labd.WaitForExitAsync(ct);
            await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(30), ct);

            await AssertDatabaseHoldsAsync(labd.StateDir, acknowledged.Keys, round, ct);
        }
    }

    private static async Task AssertDatabaseHoldsAsync(string stateDir, ICollection<long> acknowledged, int round, CancellationToken cancellationToken)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = Path.Combine(stateDir, "labd.db"), Pooling = false };
        await using var connection = new SqliteConnection(builder.ToString());
        await connection.OpenAsync(cancellationToken);
        await using (var check = connection.CreateCommand())
        {
            check.CommandText = "PRAGMA integrity_check;";
            Assert.Equal("ok", await check.ExecuteScalarAsync(cancellationToken));
        }
        var stored = new HashSet<long>();
        await using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT id FROM events;";
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                stored.Add(reader.GetInt64(0));
            }
        }
        var lost = acknowledged.Where(id => !stored.Contains(id)).Order().ToList();
        Assert.True(lost.Count == 0, $"round {round}: {lost.Count} acknowledged events lost after SIGKILL, e.g. {string.Join(", ", lost.Take(10))}");
        Assert.True(acknowledged.Count >= (round + 1) * AcksBeforeKill);
    }
}
