using Labd.Protocol;

namespace Labd.IntegrationTests.Experiments;

/// <summary>GPU requests under the shipped <c>default</c> and <c>gpu-research</c> policies, unmodified, on a one-GPU host.</summary>
public sealed class ShippedPolicyGpuTests
{
    private static ExperimentSubmitRequest Request(string root, int gpus) =>
        new(1, ["sh", "-c", "echo gpus=$CUDA_VISIBLE_DEVICES"], root, gpus, null, [], new Dictionary<string, string>(), 0, AllowDuplicate: true);

    [Fact(Timeout = 180_000)]
    public async Task The_readme_gpus_1_runs_under_default_and_impossible_counts_are_refused_at_submit()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await ExperimentsBed.StartShippedAsync(fakeGpus: 1, ct);
        var root = await bed.CreateLabAsync("lab-d", new Dictionary<string, string> { ["train.py"] = "" }, ct);
        var research = await bed.CreateLabAsync("lab-r", new Dictionary<string, string> { ["train.py"] = "" }, ct, policy: "gpu-research");

        var done = await bed.WaitAsync((await bed.SubmitAsync("lab-d", Request(root, 1), ct)).Id, ct);
        Assert.True(done.Status == ExperimentRecord.Succeeded, $"{done.Status}: {done.Reason}\n{bed.Labd.Output}");
        Assert.Single(done.GpuIds!);

        var (status, body) = await bed.TrySubmitAsync("lab-r", Request(research, 2), ct);
        Assert.True(status == 409 && body.Contains("this host has 1 GPU; --gpus 2 can never start", StringComparison.Ordinal), $"{status} {body}");
        (status, body) = await bed.TrySubmitAsync("lab-d", Request(root, 2), ct);
        Assert.True(status == 400 && body.Contains("allows per run (gpus: 1)", StringComparison.Ordinal), $"{status} {body}");
        (status, body) = await bed.TrySubmitAsync("lab-d", Request(root, -1), ct);
        Assert.True(status == 400 && body.Contains("--gpus must be 0 or more, not -1", StringComparison.Ordinal), $"{status} {body}");
    }
}
