using Labctl.Commands;

namespace Labctl.Tests;

public sealed class RunCommandTests
{
    [Theory]
    [InlineData("90s", 90L)]
    [InlineData("30m", 1800L)]
    [InlineData("1h30m", 5400L)]
    [InlineData("2d", 172800L)]
    [InlineData("45", 45L)]
    public void Timeout_durations_are_read_as_seconds(string text, long seconds) =>
        Assert.Equal(seconds, RunCommand.ParseDuration(text));

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("10x")]
    [InlineData("m")]
    [InlineData("5m3")]
    public void A_malformed_timeout_is_refused(string text) =>
        Assert.Null(RunCommand.ParseDuration(text));
}
