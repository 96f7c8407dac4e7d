using System.Text.Json;
using Labd.IntegrationTests.Acceptance;
using Labd.IntegrationTests.TestBed;
using Labd.Interop;

namespace Labd.IntegrationTests.HostSide;

/// <summary>
/// Escape suite, host side (Q3): trees and run directories are collected by age
/// (<c>limits.collectAfter</c>). A finished experiment's materialised tree and run directory go;
/// a running experiment's stay; the finished one still shows its record and metrics. The control
/// turns collection off (<c>collectAfter: 0</c>): after the same reloads both stay.
/// </summary>
public sealed class CollectorTests
{
    [Fact(Timeout = 300_000)]
    public async Task Q3_a_finished_experiments_tree_and_run_directory_are_collected_and_a_running_ones_are_not()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await AcceptanceBed.StartAsync(ct, fakeGpus: 0, extraConfig: "limits: {collectAfter: 1s}");
        await using var alice = await NewUser.AddAsync(ct);
        var (done, running) = await TwoExperimentsAsync(bed, alice, ct);

        await SweepAsync(bed, done, "Collected 1 experiment trees and 1 run directories", ct);
        var show = await bed.OkAsync(alice, "labctl exp show exp/1.1 -o json", ct, done.Repo);

        try
        {
            Assert.False(Directory.Exists(done.Tree), "the finished experiment's tree is still there");
            Assert.False(Directory.Exists(done.RunDirectory), "the finished experiment's run directory is still there");
            Assert.True(Directory.Exists(running.Tree), "the running experiment's tree was removed");
            Assert.True(Directory.Exists(running.RunDirectory), "the running experiment's run directory was removed");
            using var record = JsonDocument.Parse(show);
            Assert.Equal("succeeded", record.RootElement.GetProperty("status").GetString());
            Assert.Equal(0.75, record.RootElement.GetProperty("metrics").GetProperty("score").GetDouble());
        }
        finally
        {
            await alice.ShAsync("labctl exp cancel exp/2.1", bed.Environment, CancellationToken.None, done.Repo);
        }
    }

    [Fact(Timeout = 300_000)]
    public async Task Q3_negative_control_with_collection_off_trees_and_run_directories_stay()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await AcceptanceBed.StartAsync(ct, fakeGpus: 0, extraConfig: "limits: {collectAfter: 0}");
        await using var alice = await NewUser.AddAsync(ct);
        var (done, running) = await TwoExperimentsAsync(bed, alice, ct);
        await SweepAsync(bed, done, "Collection of experiment trees and run directories is off", ct);

        try
        {
            Assert.True(Directory.Exists(done.Tree));
            Assert.True(Directory.Exists(done.RunDirectory));
            Assert.True(Directory.Exists(running.Tree));
        }
        finally
        {
            await alice.ShAsync("labctl exp cancel exp/2.1", bed.Environment, CancellationToken.None, done.Repo);
        }
    }

    private sealed record Experiment(string Repo, string Tree, string RunDirectory, DateTimeOffset? EndedAt);

    /// <summary>Once the finished experiment is older than collectAfter (1 s), a reload (SIGHUP) sweeps;
    /// waits for the sweep's log line. Collection is about age, so the only wait on the clock is for
    /// what is left of that second.</summary>
    private static async Task SweepAsync(AcceptanceBed bed, Experiment done, string logLine, CancellationToken ct)
    {
        var age = DateTimeOffset.UtcNow - done.EndedAt!.Value;
        if (age < TimeSpan.FromSeconds(1.1))
        {
            await Task.Delay(TimeSpan.FromSeconds(1.1) - age, ct);
        }
        var mark = bed.Labd.OutputLength;
        bed.Labd.Signal(Signals.SIGHUP);
        await bed.Labd.WaitForOutputAsync(logLine, mark, ct);
    }

    /// <summary>exp/1.1 has finished (score 0.75); exp/2.1 is running (sleeps).</summary>
    private static async Task<(Experiment Done, Experiment Running)> TwoExperimentsAsync(AcceptanceBed bed, NewUser alice, CancellationToken ct)
    {
        var repo = await bed.MakeRepositoryAsync(alice, "collect", new Dictionary<string, string>
        {
            ["train.sh"] = "echo '{\"metrics\": {\"score\": 0.75}}'\n",
            ["long.sh"] = "echo started; exec sleep 600\n",
        }, ct);
        await bed.OkAsync(alice, """
            labctl lab init . --metric score:max && labctl idea new done && labctl exp run --idea 1 --wait -- sh train.sh
            labctl idea new long && labctl exp run --idea 2 -- sh long.sh
            until labctl exp show exp/2.1 -o json | grep -q '"status":"running"'; do sleep 0.2; done
            """, ct, repo);
        return (await FindAsync(bed, alice, repo, "exp/1.1", ct), await FindAsync(bed, alice, repo, "exp/2.1", ct));
    }

    private static async Task<Experiment> FindAsync(AcceptanceBed bed, NewUser alice, string repo, string label, CancellationToken ct)
    {
        using var show = JsonDocument.Parse(await bed.OkAsync(alice, $"labctl exp show {label} -o json", ct, repo));
        var id = show.RootElement.GetProperty("id").GetInt64();
        var lab = show.RootElement.GetProperty("lab").GetString()!;
        var run = show.RootElement.GetProperty("runId").GetString()!;
        var tree = Path.Combine(bed.Labd.StateDir, "labs", lab, "experiments", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "tree");
        var runDirectory = Path.Combine(bed.Labd.StateDir, "runs", run);
        Assert.True(Directory.Exists(tree), $"no tree at {tree}");
        Assert.True(Directory.Exists(runDirectory), $"no run directory at {runDirectory}");
        var ended = show.RootElement.TryGetProperty("endedAt", out var at) && at.ValueKind == JsonValueKind.String ? at.GetDateTimeOffset() : (DateTimeOffset?)null;
        return new Experiment(repo, tree, runDirectory, ended);
    }
}
