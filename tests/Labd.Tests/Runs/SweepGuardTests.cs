using Labd.Runs;

namespace Labd.Tests.Runs;

public sealed class SweepGuardTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Sweeping_root_or_a_negative_uid_is_refused_before_anything_is_signalled(int uid)
    {
        // uid 0 would SIGKILL every root process on the host (what once took down a CI run).
        Assert.Throws<ArgumentOutOfRangeException>(() => SandboxChain.SweepUser(uid));
    }

    [Fact]
    public void Sweeping_by_root_group_is_refused_before_anything_is_signalled()
    {
        // The gid is matched in all four ids and the supplementary groups: gid 0 would take root's processes along.
        Assert.Throws<ArgumentOutOfRangeException>(() => SandboxChain.SweepUser(64_999, 0));
    }
}
