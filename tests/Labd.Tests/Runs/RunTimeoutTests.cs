using Labd.Protocol;
using Labd.Runs;

namespace Labd.Tests.Runs;

public sealed class RunTimeoutTests
{
    private static readonly TimeSpan TwoHours = TimeSpan.FromHours(2);

    [Fact]
    public void A_timeout_above_the_policy_cap_is_refused_naming_the_cap()
    {
        var e = Assert.Throws<LabdException>(() => RunTimeout.Check(100 * 86400, TwoHours, "default"));

        Assert.Equal(ErrorCode.BadRequest, e.Code);
        Assert.Equal("--timeout 100d is more than policy 'default' allows (limits.timeout: 2h); ask for 2h or less, or use a policy with a longer limit", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void A_timeout_that_is_not_positive_is_refused(int seconds) =>
        Assert.Equal(ErrorCode.BadRequest, Assert.Throws<LabdException>(() => RunTimeout.Check(seconds, TwoHours, "default")).Code);

    [Fact]
    public void A_timeout_within_the_cap_or_without_one_is_taken_as_asked()
    {
        Assert.Equal(TwoHours, RunTimeout.Check(7200, TwoHours, "default"));
        Assert.Equal(TimeSpan.FromDays(100), RunTimeout.Check(100 * 86400, null, "open"));
        Assert.Null(RunTimeout.Check(null, TwoHours, "default"));
    }
}
