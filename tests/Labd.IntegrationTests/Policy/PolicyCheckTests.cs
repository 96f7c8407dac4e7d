using System.Text.Json;
using Labd.IntegrationTests.Daemon;

namespace Labd.IntegrationTests.Policy;

public sealed class PolicyCheckTests
{
    [Fact(Timeout = 60000)]
    public async Task Policy_check_reports_three_different_mistakes_with_positions_in_one_run_without_a_daemon()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TestDir();
        var file = dir["three.yaml"];
        File.WriteAllText(file, "netwrk:\n  allow: []\nfiles:\n  /x: rwx\ngpus: lots\n");
        var noDaemon = dir["no-labd.sock"];

        var (exit, stdout, stderr) = await Labctl.RunAsync(noDaemon, ["policy", "check", file], ct);
        var (jsonExit, json, _) = await Labctl.RunAsync(noDaemon, ["policy", "check", "-o", "json", file], ct);

        Assert.Equal(1, exit);
        Assert.Contains($"{file}:1:1: error LP010", stderr, StringComparison.Ordinal);
        Assert.Contains($"{file}:4:7: error LP012", stderr, StringComparison.Ordinal);
        Assert.Contains($"{file}:5:7: error LP030", stderr, StringComparison.Ordinal);
        Assert.Contains("3 error(s)", stdout, StringComparison.Ordinal);
        Assert.Equal(1, jsonExit);
        using var document = JsonDocument.Parse(json);
        Assert.Equal(["1:1", "4:7", "5:7"], document.RootElement.EnumerateArray().Select(d => $"{d.GetProperty("line").GetInt32()}:{d.GetProperty("column").GetInt32()}"));
    }

    [Fact(Timeout = 60000)]
    public async Task Policy_check_passes_the_shipped_policies()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TestDir();
        var policies = PolicyDir.Create(dir);

        var (exit, stdout, stderr) = await Labctl.RunAsync(null, ["policy", "check", .. Directory.GetFiles(policies, "*.yaml")], ct);

        Assert.True(exit == 0, stderr);
        Assert.Contains("0 error(s)", stdout, StringComparison.Ordinal);
    }
}
