using System.Text.Json;
using Labd.IntegrationTests.Acceptance;
using Labd.IntegrationTests.TestBed;

namespace Labd.IntegrationTests.HostSide;

/// <summary>
/// Escape suite, host side (Q2): an experiment writes about 1.7 MiB of per-step metrics to
/// <c>$LAB_METRICS</c>. Under the shipped <c>strict</c> policy (<c>limits.metrics: 1M</c>) labd
/// reads only the first MiB and the experiment's record says why; the control runs the same
/// experiment under the shipped <c>default</c> policy (16M), where every step is read.
/// </summary>
public sealed class MetricsCapTests
{
    private const int Steps = 60_000;

    private const string Train = """
        i=0
        while [ $i -lt 60000 ]; do echo "{\"step\": $i, \"score\": 0.5}"; i=$((i+1)); done >> "$LAB_METRICS"
        echo '{"metrics": {"score": 1}}'

        """;

    [Fact(Timeout = 300_000)]
    public async Task Q2_metrics_past_the_strict_policys_cap_are_read_only_up_to_it_and_the_experiment_says_so()
    {
        var (reason, lastStep, bytes) = await RunAsync("strict", TestContext.Current.CancellationToken);

        Assert.Contains("$LAB_METRICS grew past the policy's limits.metrics (1M)", reason, StringComparison.Ordinal);
        Assert.True(bytes <= 1 << 20, $"labd served {bytes} bytes of metrics");
        Assert.True(lastStep < Steps - 1, $"labd read up to step {lastStep}, past the cap");
    }

    [Fact(Timeout = 300_000)]
    public async Task Q2_negative_control_under_the_default_policys_larger_cap_every_step_is_read()
    {
        var (reason, lastStep, _) = await RunAsync("default", TestContext.Current.CancellationToken);

        Assert.DoesNotContain("limits.metrics", reason, StringComparison.Ordinal);
        Assert.Equal(Steps - 1, lastStep);
    }

    /// <summary>Runs the experiment under <paramref name="policy"/>: its recorded reason, the last step
    /// labd serves from <c>GET /v1/experiments/{id}/metrics</c>, and how many bytes it served.</summary>
    private static async Task<(string Reason, long LastStep, int Bytes)> RunAsync(string policy, CancellationToken ct)
    {
        await using var bed = await AcceptanceBed.StartAsync(ct, fakeGpus: 0);
        await using var alice = await NewUser.AddAsync(ct);
        var repo = await bed.MakeRepositoryAsync(alice, "steps", new Dictionary<string, string> { ["train.sh"] = Train }, ct);
        await bed.OkAsync(alice, $"labctl lab init . --policy {policy} --metric score:max && labctl idea new steps && labctl exp run --idea 1 --wait -- sh train.sh", ct, repo);
        using var show = JsonDocument.Parse(await bed.OkAsync(alice, "labctl exp show exp/1.1 -o json", ct, repo));
        Assert.Equal("succeeded", show.RootElement.GetProperty("status").GetString());
        var id = show.RootElement.GetProperty("id").GetInt64();
        var metrics = await bed.OkAsync(alice, $"curl -sf --unix-socket \"$LABD_SOCKET\" http://labd/v1/experiments/{id}/metrics", ct);
        var last = metrics.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        using var step = JsonDocument.Parse(last);
        var reason = show.RootElement.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : "";
        TestContext.Current.SendDiagnosticMessage($"Q2 {policy}: served {metrics.Length} bytes up to step {step.RootElement.GetProperty("step").GetInt64()}; reason: {reason}");
        return (reason, step.RootElement.GetProperty("step").GetInt64(), metrics.Length);
    }
}
