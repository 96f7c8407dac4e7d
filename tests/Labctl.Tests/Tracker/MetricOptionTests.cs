using Labctl.Tests.Support;
using Labd.Protocol;

namespace Labctl.Tests.Tracker;

/// <summary><c>--metric</c> naming a metric the lab neither declares nor has values of is refused, naming the lab's metrics.</summary>
public sealed class MetricOptionTests : IDisposable
{
    private const string Lab = """{"id":"cifar","path":"/srv/cifar","ownerUid":1000,"policy":"default","mainBranch":"main","metrics":[{"name":"score","direction":"max"},{"name":"loss","direction":"min"}],"createdAt":"2026-11-24T10:00:00Z"}""";

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory(Timeout = 30000)]
    [InlineData("leaderboard")]
    [InlineData("plot")]
    public async Task An_unknown_metric_exits_2_naming_the_labs_metrics(string command)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = Daemon("nope");

        var result = await InProcessLabctl.RunAsync(ct, command, "--metric", "nope", "--lab", "cifar", "--socket", daemon.SocketPath);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Equal("labctl: --metric: lab cifar has no metric 'nope'; its metrics: score (max), loss (min) (declare another with `labctl lab metric NAME max|min`)\n", result.Error);
        Assert.Equal("", result.Out);
    }

    [Theory(Timeout = 30000)]
    [InlineData("leaderboard", "loss")]
    [InlineData("plot", "loss")]
    [InlineData("leaderboard", "reported")]
    public async Task A_declared_metric_without_values_yet_or_a_reported_one_is_fine(string command, string metric)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = Daemon(metric);

        var result = await InProcessLabctl.RunAsync(ct, command, "--metric", metric, "--lab", "cifar", "--socket", daemon.SocketPath);

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    /// <summary>A lab declaring score and loss, with no experiment values but for the metric "reported".</summary>
    private FakeDaemon Daemon(string metric)
    {
        var points = metric == "reported" ? """[{"label":"exp/1.1","endedAt":"2026-11-24T10:00:00Z","value":1,"best":1}]""" : "[]";
        return new FakeDaemon(_dir.Combine("labd.sock"))
            .Answer(Routes.Lab("cifar"), CannedResponse.Json(Lab))
            .Answer(Routes.LabLeaderboard("cifar", metric), CannedResponse.Json($$"""{"metric":"{{metric}}","direction":"max","baseline":null,"entries":[]}"""))
            .Answer(Routes.LabProgress("cifar", metric), CannedResponse.Json($$"""{"metric":"{{metric}}","direction":"max","points":{{points}}}"""));
    }
}
