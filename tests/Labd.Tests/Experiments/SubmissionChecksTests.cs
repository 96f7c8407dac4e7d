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
}
