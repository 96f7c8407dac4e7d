using Labd.Protocol;

namespace Labd.IntegrationTests.Experiments;

/// <summary>Experiments end to end: snapshot, queue, sandboxed run on fake GPUs, harvest.</summary>
public sealed class ExperimentTests
{
    private const string Train = """
        echo "gpus=$CUDA_VISIBLE_DEVICES nodes=$(cd /dev && ls -d nvidia[0-9]* 2>/dev/null | tr '\n' ' ')label=$LAB_EXPERIMENT"
        echo '{"step": 1, "loss": 0.5}' >> "$LAB_METRICS"
        echo 'step 1 of 1' > "$LAB_PROGRESS"
        echo "result $(cat edit.txt)" > out.txt
        echo '{"metrics": {"score": 0.75, "loss": 0.5}}'
        """;

    private static ExperimentSubmitRequest Request(string root, IReadOnlyList<string> command, int gpus = 0, int? timeout = null, IReadOnlyDictionary<string, string>? meta = null, bool allowDuplicate = false) =>
        new(1, command, root, gpus, timeout, ["t1"], meta ?? new Dictionary<string, string>(), 0, allowDuplicate);

    [Fact(Timeout = 180_000)]
    public async Task An_experiment_runs_on_its_snapshot_with_its_gpus_and_records_its_metrics()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await ExperimentsBed.StartAsync(ct);
        var root = await bed.CreateLabAsync("lab-a", new Dictionary<string, string> { ["train.sh"] = Train }, ct);
        // An uncommitted edit is part of the snapshot.
        await File.WriteAllTextAsync(Path.Combine(root, "edit.txt"), "edited", ct);

        var submitted = await bed.SubmitAsync("lab-a", Request(root, ["sh", "train.sh"], gpus: 2), ct);
        Assert.Equal("exp/1.1", submitted.Label);
        var done = await bed.WaitAsync(submitted.Id, ct);

        Assert.True(done.Status == ExperimentRecord.Succeeded, $"{done.Status}: {done.Reason}\n{bed.Labd.Output}");
        Assert.Equal(0.75, done.Metrics!["score"]);
        Assert.Equal(2, done.GpuIds!.Count);
        var log = await bed.GetTextAsync(Routes.ExperimentLogs(done.Id, follow: false), ct);
        Assert.Contains("gpus=0,1 nodes=" + string.Join(' ', done.GpuIds.Select(g => "nvidia" + g)) + " label=exp/1.1", log, StringComparison.Ordinal);
        var metrics = await bed.GetTextAsync(Routes.ExperimentMetrics(done.Id), ct);
        Assert.True(metrics == "{\"step\": 1, \"loss\": 0.5}\n", $"live metrics '{metrics}'; log:\n{log}");
        Assert.Equal("step 1 of 1", await bed.GetTextAsync(Routes.ExperimentProgress(done.Id), ct));
        // The tree is the lab owner's again, outputs included.
        var tree = Path.Combine(bed.Labd.StateDir, "labs", "lab-a", "experiments", done.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "tree");
        Assert.Equal("result edited\n", await File.ReadAllTextAsync(Path.Combine(tree, "out.txt"), ct));
        Assert.Equal(bed.OwnerUid, Labd.Interop.FileStatus.Owner(Path.Combine(tree, "out.txt")));
        // Waiting again answers the same.
        Assert.Equal(done.Metrics, (await bed.WaitAsync(submitted.Id, ct)).Metrics);
    }

    [Fact(Timeout = 240_000)]
    public async Task Failures_timeouts_cancels_and_duplicates_end_as_they_should()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await ExperimentsBed.StartAsync(ct);
        var root = await bed.CreateLabAsync("lab-b", new Dictionary<string, string> { ["x.txt"] = "x" }, ct);

        var exit3 = await bed.SubmitAsync("lab-b", Request(root, ["sh", "-c", "echo before the end; exit 3"]), ct);
        var notJson = await bed.SubmitAsync("lab-b", Request(root, ["sh", "-c", "echo '{\"metrics\": {'"]), ct);
        var notNumber = await bed.SubmitAsync("lab-b", Request(root, ["sh", "-c", "echo '{\"metrics\": {\"acc\": \"high\"}}'"]), ct);
        var huge = await bed.SubmitAsync("lab-b", Request(root, ["sh", "-c", "printf '{\"metrics\": {\"x\": \"'; head -c 1048576 /dev/zero | tr '\\0' a; echo '\"}}'"]), ct);
        var noMetrics = await bed.SubmitAsync("lab-b", Request(root, ["sh", "-c", "echo done"]), ct);
        var nan = await bed.SubmitAsync("lab-b", Request(root, ["sh", "-c", "echo '{\"metrics\": {\"loss\": NaN}}'"]), ct);
        var slow = await bed.SubmitAsync("lab-b", Request(root, ["sleep", "60"], timeout: 2), ct);
        var running = await bed.SubmitAsync("lab-b", Request(root, ["sleep", "61"]), ct);

        Assert.Equal(("failed", "exited with 3"), ((await bed.WaitAsync(exit3.Id, ct)).Status, (await bed.WaitAsync(exit3.Id, ct)).Reason));
        // The log holds the target's output and labd's one end line; none of rootlesskit's exit reports.
        Assert.Equal("before the end\n[labd: exited with status 3]\n", await bed.GetTextAsync(Routes.ExperimentLogs(exit3.Id, follow: false), ct));
        Assert.StartsWith("metrics line is not valid JSON", (await bed.WaitAsync(notJson.Id, ct)).Reason, StringComparison.Ordinal);
        Assert.Equal("metric 'acc' is not a number", (await bed.WaitAsync(notNumber.Id, ct)).Reason);
        Assert.Equal((ExperimentRecord.Succeeded, "no metrics: the last line of output was not a JSON object like {\"metrics\": {\"loss\": 0.25}}"), ((await bed.WaitAsync(noMetrics.Id, ct)).Status, (await bed.WaitAsync(noMetrics.Id, ct)).Reason));
        Assert.StartsWith("metric 'loss' is NaN, which JSON cannot carry", (await bed.WaitAsync(nan.Id, ct)).Reason, StringComparison.Ordinal);
        Assert.StartsWith("metrics line longer than 64 KiB", (await bed.WaitAsync(huge.Id, ct)).Reason, StringComparison.Ordinal);
        Assert.Equal("timed_out", (await bed.WaitAsync(slow.Id, ct)).Status);

        while ((await bed.GetAsync(Routes.Experiment(running.Id), ct)).Status != ExperimentRecord.Running)
        {
            await Task.Delay(100, ct);
        }
        Assert.Equal(202, await bed.PostAsync(Routes.ExperimentCancel(running.Id), ct));
        Assert.Equal("cancelled", (await bed.WaitAsync(running.Id, ct)).Status);

        // The same commit + command + meta is flagged, naming the earlier result; --allow-duplicate runs it.
        var (status, body) = await bed.TrySubmitAsync("lab-b", Request(root, ["sh", "-c", "echo before the end; exit 3"]), ct);
        Assert.Equal(409, status);
        Assert.Contains(exit3.Label, body, StringComparison.Ordinal);
        Assert.Contains("--allow-duplicate", body, StringComparison.Ordinal);
        var again = await bed.SubmitAsync("lab-b", Request(root, ["sh", "-c", "echo before the end; exit 3"], allowDuplicate: true), ct);
        Assert.NotEqual(exit3.Id, again.Id);
        Assert.Equal("failed", (await bed.WaitAsync(again.Id, ct)).Status);

        // More GPUs than the policy allows per run: refused, naming the cap.
        var (tooMany, why) = await bed.TrySubmitAsync("lab-b", Request(root, ["true"], gpus: 3), ct);
        Assert.Equal(400, tooMany);
        Assert.Contains("gpus: 2", why, StringComparison.Ordinal);
    }
}
