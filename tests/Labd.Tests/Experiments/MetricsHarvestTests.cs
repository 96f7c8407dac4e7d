using Labd.Experiments;
using Labd.Runs;

namespace Labd.Tests.Experiments;

public sealed class MetricsHarvestTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("labd-harvest-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ExperimentEnd Harvest(string log, int? exitCode = 0, RunOutcome outcome = RunOutcome.Exited)
    {
        var path = Path.Combine(_dir, "output.log");
        File.WriteAllText(path, log);
        return MetricsHarvest.Harvest(new RunExit(outcome, exitCode, null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, false), path);
    }

    [Fact]
    public void The_last_line_gives_the_metrics_of_a_successful_run()
    {
        var end = Harvest("step 1\n{\"metrics\": {\"score\": 0.5, \"loss\": 1e-3}}\n\n");
        Assert.Equal("succeeded", end.Status);
        Assert.Equal(0.5, end.Metrics!["score"]);
        Assert.Equal(0.001, end.Metrics["loss"]);
    }

    [Fact]
    public void A_run_without_a_metrics_line_succeeds_without_metrics()
    {
        var end = Harvest("done\n");
        Assert.Equal(("succeeded", MetricsHarvest.NoMetricsLine), (end.Status, end.Reason));
        Assert.Null(end.Metrics);
        Assert.Equal(("succeeded", "no metrics: the run printed nothing"), (Harvest("").Status, Harvest("").Reason));
    }

    [Fact]
    public void A_run_with_metrics_records_no_reason() =>
        Assert.Null(Harvest("{\"metrics\": {\"loss\": 0.25}}\n").Reason);

    [Theory]
    [InlineData("{\"metrics\": {\"acc\": 0.9, \"loss\": NaN}}", "metric 'loss' is NaN, which JSON cannot carry")]
    [InlineData("{\"metrics\": {\"loss\": -Infinity}}", "metric 'loss' is -Infinity, which JSON cannot carry")]
    [InlineData("{\"metrics\": {\"grad norm\":Infinity}}", "metric 'grad norm' is Infinity, which JSON cannot carry")]
    public void A_non_finite_metric_is_named_not_reported_as_a_parser_error(string line, string reason)
    {
        var end = Harvest("training\n" + line + "\n");
        Assert.Equal("failed", end.Status);
        Assert.StartsWith(reason, end.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Labd_end_line_after_the_output_does_not_hide_the_metrics_line()
    {
        var path = Path.Combine(_dir, "output.log");
        File.WriteAllText(path, "{\"metrics\": {\"loss\": 0.5}}\n[labd: killed by SIGKILL (out of memory: the run's memory limit is 8G)]\n");

        var end = MetricsHarvest.Harvest(new RunExit(RunOutcome.Exited, 137, "killed by SIGKILL (out of memory: the run's memory limit is 8G)", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, false), path);

        Assert.Equal(("failed", "killed by SIGKILL (out of memory: the run's memory limit is 8G)", 0.5), (end.Status, end.Reason, end.Metrics!["loss"]));
    }

    [Fact]
    public void A_non_zero_exit_fails_naming_the_code()
    {
        var end = Harvest("oops\n", exitCode: 3);
        Assert.Equal(("failed", "exited with 3"), (end.Status, end.Reason));
    }

    [Theory]
    [InlineData("{\"metrics\": {\"acc\": 0.9", "metrics line is not valid JSON")]
    [InlineData("{\"metrics\": {\"acc\": \"high\"}}", "metric 'acc' is not a number")]
    [InlineData("{\"metrics\": {\"acc\": null}}", "metric 'acc' is not a number")]
    [InlineData("{\"metrics\": [1, 2]}", "metrics line must be")]
    [InlineData("{\"score\": 1}", "metrics line must be")]
    public void A_bad_metrics_line_fails_the_run_with_a_clear_reason(string line, string reason)
    {
        var end = Harvest("training\n" + line + "\n");
        Assert.Equal("failed", end.Status);
        Assert.StartsWith(reason, end.Reason, StringComparison.Ordinal);
        Assert.Null(end.Metrics);
    }

    [Fact]
    public void A_metrics_line_longer_than_64_KiB_fails_without_being_read_whole()
    {
        var end = Harvest("start\n{\"metrics\": {\"x\": 1, \"pad\": \"" + new string('a', 1 << 20) + "\"}}\n");
        Assert.Equal(("failed", true), (end.Status, end.Reason!.StartsWith("metrics line longer than 64 KiB", StringComparison.Ordinal)));
    }

    [Fact]
    public void Too_many_metrics_or_overlong_names_are_refused()
    {
        var many = "{\"metrics\": {" + string.Join(", ", Enumerable.Range(0, 300).Select(i => $"\"m{i}\": {i}")) + "}}";
        Assert.Equal("more than 256 metrics", Harvest(many + "\n").Reason);
        Assert.StartsWith("metric name", Harvest("{\"metrics\": {\"" + new string('n', 65) + "\": 1}}\n").Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("TimedOut", "timed_out")]
    [InlineData("Cancelled", "cancelled")]
    [InlineData("SetupFailed", "failed")]
    [InlineData("Lost", "failed")]
    public void How_the_run_ended_decides_the_status_when_it_did_not_exit_on_its_own(string outcome, string status)
    {
        Assert.Equal(status, Harvest("{\"metrics\": {\"x\": 1}}\n", exitCode: null, outcome: Enum.Parse<RunOutcome>(outcome)).Status);
    }

    [Fact]
    public void A_symlinked_log_is_not_followed()
    {
        var target = Path.Combine(_dir, "secret");
        File.WriteAllText(target, "{\"metrics\": {\"x\": 1}}\n");
        var link = Path.Combine(_dir, "link.log");
        File.CreateSymbolicLink(link, target);
        var end = MetricsHarvest.Harvest(new RunExit(RunOutcome.Exited, 0, null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, false), link);
        Assert.Equal("failed", end.Status);
        Assert.Null(end.Metrics);
    }
}
