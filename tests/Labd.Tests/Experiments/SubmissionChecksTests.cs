using Labd.Experiments;

namespace Labd.Tests.Experiments;

public sealed class SubmissionChecksTests
{
    [Fact]
    public void The_dedupe_key_depends_on_commit_argv_and_meta_but_not_meta_order()
    {
        var meta = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["lr"] = "0.1", ["bs"] = "32" };
        var key = ExperimentService.DedupeKey("abc", ["python3", "train.py"], meta);
        Assert.Equal(key, ExperimentService.DedupeKey("abc", ["python3", "train.py"], new SortedDictionary<string, string>(meta.Reverse().ToDictionary(), StringComparer.Ordinal)));
        Assert.NotEqual(key, ExperimentService.DedupeKey("abd", ["python3", "train.py"], meta));
        Assert.NotEqual(key, ExperimentService.DedupeKey("abc", ["python3 train.py"], meta));
        Assert.NotEqual(key, ExperimentService.DedupeKey("abc", ["python3", "train.py"], new SortedDictionary<string, string>(StringComparer.Ordinal) { ["lr"] = "0.2", ["bs"] = "32" }));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("bell\u0007")]
    public void Bad_tags_are_refused(string tag) =>
        Assert.Equal(Labd.Protocol.ErrorCode.BadRequest, Assert.Throws<LabdException>(() => ExperimentService.CheckTags([tag])).Code);

    [Theory]
    [InlineData("", "v")]
    [InlineData("a=b", "v")]
    [InlineData("k", "line\nbreak")]
    public void Bad_meta_is_refused(string key, string value) =>
        Assert.Throws<LabdException>(() => ExperimentService.CheckMeta(new Dictionary<string, string> { [key] = value }));

    [Fact]
    public void An_empty_command_is_refused() =>
        Assert.Throws<LabdException>(() => ExperimentService.CheckCommand([]));

    private static readonly Labd.Tracker.LabRow Lab = new("demo", "/srv/demo", 1000, "default", "main", [new("score", Labd.Protocol.LabMetric.Max)], DateTimeOffset.UnixEpoch);

    [Theory]
    [InlineData(-1, 1, 4, Labd.Protocol.ErrorCode.BadRequest, "--gpus must be 0 or more, not -1")]
    [InlineData(2, 1, 4, Labd.Protocol.ErrorCode.BadRequest, "--gpus 2 is more than lab demo's policy 'default' allows per run (gpus: 1)")]
    [InlineData(1, 1, 0, Labd.Protocol.ErrorCode.Conflict, "this host has 0 GPUs; --gpus 1 can never start")]
    [InlineData(3, 8, 2, Labd.Protocol.ErrorCode.Conflict, "this host has 2 GPUs; --gpus 3 can never start")]
    [InlineData(2, 8, 1, Labd.Protocol.ErrorCode.Conflict, "this host has 1 GPU; --gpus 2 can never start")]
    public void A_gpu_count_that_can_never_be_granted_is_refused_with_its_reason(int gpus, int cap, int host, Labd.Protocol.ErrorCode code, string message)
    {
        var e = Assert.Throws<LabdException>(() => ExperimentService.CheckGpus(gpus, cap, host, Lab));

        Assert.Equal((code, message), (e.Code, e.Message));
    }

    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(1, 1, 1)]
    [InlineData(2, 8, 4)]
    public void A_gpu_count_within_the_policy_and_the_host_is_accepted(int gpus, int cap, int host) =>
        ExperimentService.CheckGpus(gpus, cap, host, Lab);

    [Theory]
    [InlineData("agent")]
    [InlineData("experiment")]
    public void A_sandboxed_caller_cannot_raise_priority_above_the_default_but_may_lower_it(string kind)
    {
        var caller = new Labd.Api.Caller(kind == "agent" ? Labd.Api.CallerKind.Agent : Labd.Api.CallerKind.Experiment, 64000, 64000, 1, "labd-sbx-0");

        Assert.Equal(Labd.Protocol.ErrorCode.Forbidden, Assert.Throws<LabdException>(() => ExperimentService.CheckPriority(caller, 1)).Code);
        Assert.Equal(Labd.Protocol.ErrorCode.BadRequest, Assert.Throws<LabdException>(() => ExperimentService.CheckPriority(caller, int.MaxValue)).Code);
        Assert.Equal(-5, ExperimentService.CheckPriority(caller, -5));
        Assert.Equal(0, ExperimentService.CheckPriority(caller, 0));
    }

    [Fact]
    public void A_user_may_raise_priority_within_the_bound_only()
    {
        var user = new Labd.Api.Caller(Labd.Api.CallerKind.User, 1000, 1000, 1, "alice");

        Assert.Equal(ExperimentService.MaxPriority, ExperimentService.CheckPriority(user, ExperimentService.MaxPriority));
        Assert.Throws<LabdException>(() => ExperimentService.CheckPriority(user, int.MaxValue));
        Assert.Throws<LabdException>(() => ExperimentService.CheckPriority(user, int.MinValue));
    }
}
