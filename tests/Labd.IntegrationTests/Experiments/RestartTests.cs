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
            // Running *and launched*: a row is marked running just before its sandbox starts, and a kill
            // in between rightly queues it again under a new run id (tested by the run-once checks).
            while ((running = [.. (await ListAsync(bed, ct)).Where(e => ids.Contains(e.Id) && e.Status == ExperimentRecord.Running
                && File.Exists(Path.Combine(bed.Labd.StateDir, "runs", e.RunId ?? "none", "started")))]).Count < 4)
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

    [Fact(Timeout = 120_000)]
    public async Task A_readopted_running_experiment_gets_its_egress_listeners_back()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await ExperimentsBed.StartAsync(ct);
        var root = await bed.CreateLabAsync("lab-e", new Dictionary<string, string> { ["x"] = "x" }, ct);
        var submitted = await bed.SubmitAsync("lab-e", new ExperimentSubmitRequest(1, ["sh", "-c", "echo started; sleep 30"], root, 0, null, [], new Dictionary<string, string>()), ct);
        ExperimentRecord running;
        // Up and running inside its sandbox (a kill before that re-queues it instead).
        while ((running = await bed.GetAsync(Routes.Experiment(submitted.Id), ct)).Status != ExperimentRecord.Running
            || !File.Exists(RunFile(bed, running, "output.log"))
            || !(await File.ReadAllTextAsync(RunFile(bed, running, "output.log"), ct)).Contains("started", StringComparison.Ordinal))
        {
            await Task.Delay(50, ct);
        }
        using var binding = JsonDocument.Parse(await File.ReadAllTextAsync(RunFile(bed, running, "egress.json"), ct));
        var dns = new System.Net.IPEndPoint(System.Net.IPAddress.Parse(binding.RootElement.GetProperty("proxyAddress").GetString()!), binding.RootElement.GetProperty("dnsPort").GetInt32());
        Assert.True(await ListeningAsync(dns, ct), $"no DNS listener on {dns} before the restart");

        await bed.CrashAndRestartAsync(ct);

        Assert.True(await ListeningAsync(dns, ct), $"the re-adopted {running.Label}'s DNS listener on {dns} was not re-opened\n{bed.Labd.Output}");
        Assert.Equal(202, await bed.PostAsync(Routes.ExperimentCancel(running.Id), ct));
        var ended = await bed.WaitAsync(running.Id, ct);
        Assert.Equal((ExperimentRecord.Cancelled, running.RunId), (ended.Status, ended.RunId));
    }

    private static string RunFile(ExperimentsBed bed, ExperimentRecord experiment, string name) =>
        Path.Combine(bed.Labd.StateDir, "runs", experiment.RunId ?? "none", name);

    private static async Task<bool> ListeningAsync(System.Net.IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        using var client = new System.Net.Sockets.TcpClient();
        try
        {
            await client.ConnectAsync(endpoint, cancellationToken);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
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
