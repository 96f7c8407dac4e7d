using Labd.Experiments;

namespace Labd.Tests.Experiments;

public sealed class CollectorTests
{
    private static readonly DateTimeOffset Now = new(2030, 1, 15, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(-15 * 24, 14 * 24, true)]
    [InlineData(-14 * 24, 14 * 24, true)]
    [InlineData(-13 * 24, 14 * 24, false)]
    [InlineData(-100 * 24, 0, false)]
    public void Something_is_due_once_it_ended_collectAfter_ago_and_never_with_collection_off(int endedHoursAgo, int afterHours, bool due)
    {
        Assert.Equal(due, Collector.Due(Now.AddHours(endedHoursAgo), Now, TimeSpan.FromHours(afterHours)));
    }

    [Fact]
    public void What_has_not_ended_is_never_due()
    {
        Assert.False(Collector.Due(null, Now, TimeSpan.FromSeconds(1)));
    }
}
