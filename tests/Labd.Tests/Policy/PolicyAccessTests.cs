using Labd.Api;
using Labd.Protocol;

namespace Labd.Tests.Policy;

public sealed class PolicyAccessTests
{
    [Theory]
    [InlineData("Agent")]
    [InlineData("Experiment")]
    public void Agents_and_experiments_never_see_policies(string kind)
    {
        var caller = new Caller(Enum.Parse<CallerKind>(kind), 1500, 1500, 42, "labd-sbx-1");

        var e = Assert.Throws<LabdException>(() => PolicyEndpoints.RequireMember(caller));

        Assert.Equal(ErrorCode.Forbidden, e.Code);
        Assert.Contains("never see policy files", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("User")]
    [InlineData("Admin")]
    public void Users_and_admins_may_read_policies(string kind)
    {
        var caller = new Caller(Enum.Parse<CallerKind>(kind), 1000, 1000, 42, "alice");

        PolicyEndpoints.RequireMember(caller);
    }
}
