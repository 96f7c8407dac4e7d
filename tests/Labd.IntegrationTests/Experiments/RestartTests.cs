using System.Globalization;
using System.Text.Json;
using Labd.Protocol;
using Microsoft.Data.Sqlite;

namespace Labd.IntegrationTests.Experiments;

/// <summary>
/// The issue's bar: kill -9 labd with 4 experiments running and 4 queued (fake GPUs, one each);
/// after the restart every one ends succeeded exactly once, the running ones re-adopted under
/// their run ids, the queued ones started once. Ten rounds in a row on one labd state.
/// </summary>
public sealed class RestartTests
{
    private static readonly string[] RunFiles = ["output.log", "supervisor.log", "exit.json"];

    private const string Work = "sleep 3; echo \"{\\\"metrics\\\": {\\\"id\\\": $LAB_EXPERIMENT_ID}}\"";

    [Fact(Timeout = 600_000)]
    public async Task Running_and_queued_experiments_survive_kill_9_exactly_once_ten_times_in_a_row()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await ExperimentsBed.StartAsync(ct);
        // Each lab may hold 2 GPUs at once (its policy), so two labs fill the 4 fake GPUs.
        var roots = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["lab-r1"] = await bed.CreateLabAsync("lab-r1", new Dictionary<string, string> { ["x"] = "x" }, ct),
            ["lab-r2"] = await bed.CreateLabAsync("lab-r2", new Dictionary<string, string> { ["x"] = "x" }, ct),
        };
        for (var round = 1; round <= 10; round++)
        {
            var submitted = new List<ExperimentRecord>();
            for (var i = 0; i < 8; i++)
            {
                var lab = i % 2 == 0 ? "lab-r1" : "lab-r2";
                var meta = new Dictionary<string, string> { ["round"] = round.ToString(CultureInfo.InvariantCulture), ["i"] = i.ToString(CultureInfo.InvariantCulture) };
                submitted.Add(await bed.SubmitAsync(lab, new ExperimentSubmitRequest(1, ["sh", "-c", Work], roots[lab], 1, null, [], meta), ct));
            }
            var ids = submitted.Select(e => e.Id).ToHashSet();
            List<ExperimentRecord> running;
            while ((running = [.. (await ListAsync(bed, ct)).Where(e => ids.Contains(e.Id) && e.Status == ExperimentRecord.Running)]).Count < 4)
            {
                await Task.Delay(50, ct);
            }
            Assert.Equal(4, running.Count);
            Assert.Equal(4, running.SelectMany(e => e.GpuIds!).Distinct().Count());

            await bed.CrashAndRestartAsync(ct);

            foreach (var experiment in submitted)
            {
                var done = await bed.WaitAsync(experiment.Id, ct);
                if (done.Status != ExperimentRecord.Succeeded)
                {
                    var runDir = Path.Combine(bed.Labd.StateDir, "runs", done.RunId ?? "none");
                    var logs = string.Join("\n", RunFiles.Select(f => Path.Combine(runDir, f)).Where(File.Exists).Select(f => f + ":\n" + File.ReadAllText(f)));
                    Assert.Fail($"round {round}: {done.Label} {done.Status}: {done.Reason}\n{logs}\n{bed.Labd.Output}");
                }
                Assert.Equal(experiment.Id, done.Metrics!["id"]);
                if (running.FirstOrDefault(r => r.Id == done.Id) is { } before)
                {
                    Assert.Equal(before.RunId, done.RunId);
                }
            }
            // Exactly once: one end event per experiment, one run directory per experiment ever started.
            Assert.All(submitted, e => Assert.Equal(1, EndEvents(bed, e.Id)));
            Assert.Equal(8 * round, Directory.GetDirectories(Path.Combine(bed.Labd.StateDir, "runs")).Length);
        }
    }

    private static async Task<IReadOnlyList<ExperimentRecord>> ListAsync(ExperimentsBed bed, CancellationToken cancellationToken)
    {
        using var client = bed.Labd.Client();
        var body = await client.GetStringAsync(Routes.Experiments + "?status=running", cancellationToken);
        return JsonSerializer.Deserialize(body, ProtocolJsonContext.Default.IReadOnlyListExperimentRecord)!;
    }

    private static long EndEvents(ExperimentsBed bed, long id)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(bed.Labd.StateDir, "labd.db")};Pooling=False;Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM events WHERE kind = 'exp.end' AND subject = $id";
        command.Parameters.AddWithValue("$id", id.ToString(CultureInfo.InvariantCulture));
        return (long)command.ExecuteScalar()!;
    }
}
