using Labd.Hosting;

namespace Labd.Tests.Hosting;

public sealed class LabdArgumentsTests
{
    [Fact]
    public void No_flags_mean_the_production_defaults()
    {
        var args = LabdArguments.Parse([]);

        Assert.Equal("/etc/labd/labd.yaml", args.ConfigPath);
        Assert.False(args.ConfigGiven);
        Assert.Null(args.StateDir);
        Assert.Null(args.Socket);
        Assert.False(args.Foreground);
    }

    [Fact]
    public void Flags_are_read_in_both_spellings()
    {
        var args = LabdArguments.Parse(["--foreground", "--config", "/tmp/c.yaml", "--state-dir=/tmp/s", "--socket", "/tmp/l.sock"]);

        Assert.Equal(new LabdArguments("/tmp/c.yaml", true, "/tmp/s", "/tmp/l.sock", true), args);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--socket")]
    public void A_bad_flag_is_refused_with_the_usage(string arg)
    {
        var e = Assert.Throws<ArgumentException>(() => LabdArguments.Parse([arg]));

        Assert.Contains("usage: labd", e.Message, StringComparison.Ordinal);
    }
}
