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

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Help_is_answered_with_flags_signals_files_and_exit_codes(string arg)
    {
        var help = LabdArguments.InformationRequested([arg], "1.2.3");

        Assert.NotNull(help);
        Assert.Contains("usage: labd", help, StringComparison.Ordinal);
        Assert.Contains("SIGHUP", help, StringComparison.Ordinal);
        Assert.Contains("78 invalid configuration", help, StringComparison.Ordinal);
    }

    [Fact]
    public void Version_is_answered_and_other_flags_start_the_daemon()
    {
        Assert.Equal("labd 1.2.3", LabdArguments.InformationRequested(["--version"], "1.2.3"));
        Assert.Null(LabdArguments.InformationRequested(["--foreground"], "1.2.3"));
        Assert.Null(LabdArguments.InformationRequested(["--help", "--foreground"], "1.2.3"));
    }
}
