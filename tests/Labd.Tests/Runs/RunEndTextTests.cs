using Labd.Runs;

namespace Labd.Tests.Runs;

public sealed class RunEndTextTests
{
    private const long EightGiB = 8L << 30;

    [Theory]
    [InlineData("Exited", 0, false, null)]
    [InlineData("Exited", 3, false, "exited with status 3")]
    [InlineData("Exited", 137, false, "killed by SIGKILL")]
    [InlineData("Exited", 137, true, "killed by SIGKILL (out of memory: the run's memory limit is 8G)")]
    [InlineData("Exited", 1, true, "exited with status 1 (out of memory: the run's memory limit is 8G)")]
    [InlineData("Exited", 139, false, "killed by SIGSEGV")]
    [InlineData("TimedOut", 143, false, "stopped: the run's timeout of 2h ran out")]
    [InlineData("Cancelled", 143, false, "cancelled")]
    public void How_a_run_ended_is_one_line_naming_the_status_signal_or_memory_limit(string outcome, int code, bool oom, string? expected) =>
        Assert.Equal(expected, RunEndText.Describe(Enum.Parse<RunOutcome>(outcome), code, oom, EightGiB, 2 * 3600 * 1000));

    [Fact]
    public void A_plain_exit_status_needs_no_recorded_message_but_a_signal_or_oom_kill_does()
    {
        Assert.True(RunEndText.IsPlainExit(RunOutcome.Exited, 3, false));
        Assert.False(RunEndText.IsPlainExit(RunOutcome.Exited, 137, false));
        Assert.False(RunEndText.IsPlainExit(RunOutcome.Exited, 1, true));
    }

    [Theory]
    // As rootlesskit 1.1.0 prints them (its child's argv can be a whole agent prompt).
    [InlineData("[rootlesskit:child ] error: command [sh -c echo hi; exit 3] exited: exit status 3", true)]
    [InlineData("[rootlesskit:parent] error: child exited: exit status 3", true)]
    [InlineData("[rootlesskit:child ] error: command [sh -c kill -9 $$] exited: signal: killed", true)]
    [InlineData("[rootlesskit:parent] error: failed to setup UID/GID map: No subuid ranges found", false)]
    [InlineData("[rootlesskit:child ] error: command [x] could not start", false)]
    public void Only_rootlesskit_exit_reports_are_left_out_of_the_log(string line, bool left) =>
        Assert.Equal(left, RunEndText.IsToolExitReport(line));

    [Theory]
    [InlineData("low 0\nhigh 0\nmax 3\noom 1\noom_kill 2\noom_group_kill 0\n", 2)]
    [InlineData("oom_kill_disable 0\nunder_oom 0\noom_kill 1\n", 1)]
    [InlineData("oom_kill_disable 0\nunder_oom 0\n", 0)]
    public void The_oom_kill_counter_is_read_from_memory_events_and_oom_control(string text, long kills) =>
        Assert.Equal(kills, CgroupLeaf.ParseOomKills(text));

    [Theory]
    [InlineData("0::/system.slice/labd-run-ab12.service\n", "/sys/fs/cgroup/system.slice/labd-run-ab12.service")]
    [InlineData("12:pids:/system.slice/x.service\n11:memory:/system.slice/x.service\n0::/system.slice/x.service\n", "/sys/fs/cgroup/memory/system.slice/x.service")]
    [InlineData("1:name=systemd:/\n", null)]
    public void Under_systemd_the_oom_counter_is_read_from_the_supervisor_s_own_memory_cgroup(string procCgroup, string? directory)
    {
        var found = CgroupLeaf.OwnMemoryCgroup(procCgroup);

        // A pure cgroup v2 host has no /unified: the path is under the root itself.
        Assert.Equal(directory, found?.Replace("/sys/fs/cgroup/unified/", "/sys/fs/cgroup/", StringComparison.Ordinal));
    }
}
