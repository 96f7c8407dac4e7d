using Labctl.Doctor;
using Labctl.Doctor.Checks;
using Labctl.Tests.Support;

namespace Labctl.Tests;

public sealed class DoctorChecksTests : IDisposable
{
    private readonly FakeHost _host = new FakeHost().Healthy();

    public void Dispose() => _host.Dispose();

    [Fact]
    public void A_missing_bwrap_fails_with_the_package_to_install()
    {
        File.Delete(Path.Join(_host.Bin, "bwrap"));

        var bwrap = ToolChecks.Run(_host.Probe()).Single(c => c.Name == "bwrap");

        Assert.Equal(CheckStatus.Fail, bwrap.Status);
        Assert.Equal("apt-get install -y bubblewrap", bwrap.Fix);
    }

    [Fact]
    public void A_file_named_bwrap_that_is_not_executable_does_not_count()
    {
        File.SetUnixFileMode(Path.Join(_host.Bin, "bwrap"), UnixFileMode.UserRead);

        Assert.Equal(CheckStatus.Fail, ToolChecks.Run(_host.Probe()).Single(c => c.Name == "bwrap").Status);
    }

    [Fact]
    public void Found_tools_are_ok_and_name_their_path_and_a_missing_nft_only_warns()
    {
        File.Delete(Path.Join(_host.Bin, "nft"));

        var checks = ToolChecks.Run(_host.Probe()).ToDictionary(c => c.Name);

        Assert.Equal(DoctorCheck.Ok("newuidmap", Path.Join(_host.Bin, "newuidmap")), checks["newuidmap"]);
        Assert.Equal(CheckStatus.Warn, checks["nft"].Status);
        Assert.Equal("apt-get install -y nftables", checks["nft"].Fix);
    }

    [Fact]
    public void Tun_mode_0600_fails_with_chmod_and_a_udev_rule()
    {
        var tun = _host.Path("/dev/net/tun");
        File.SetUnixFileMode(tun, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var check = TunCheck.Run(_host.Probe());

        Assert.Equal(CheckStatus.Fail, check.Status);
        Assert.Contains("mode 0600", check.Detail, StringComparison.Ordinal);
        Assert.StartsWith($"chmod 0666 {tun}\n", check.Fix, StringComparison.Ordinal);
        Assert.Contains("/etc/udev/rules.d/", check.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Tun_mode_0666_is_ok()
    {
        Assert.Equal(DoctorCheck.Ok(TunCheck.Name, $"{_host.Path("/dev/net/tun")} mode 0666"), TunCheck.Run(_host.Probe()));
    }

    [Fact]
    public void A_missing_tun_device_fails()
    {
        File.Delete(_host.Path("/dev/net/tun"));

        var check = TunCheck.Run(_host.Probe());

        Assert.Equal(CheckStatus.Fail, check.Status);
        Assert.Contains("modprobe tun", check.Fix, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task As_root_user_namespaces_are_tried_as_nobody()
    {
        var check = await UserNamespaceCheck.RunAsync(_host.Probe(isRoot: true), TestContext.Current.CancellationToken);

        Assert.Equal(CheckStatus.Ok, check.Status);
        var (program, arguments) = Assert.Single(_host.Probes);
        Assert.Equal(Path.Join(_host.Bin, "setpriv"), program);
        Assert.Equal(["--reuid=65534", "--regid=65534", "--clear-groups", "--", Path.Join(_host.Bin, "unshare"), "--user", "--map-root-user", "true"], arguments);
    }

    [Fact(Timeout = 30000)]
    public async Task As_a_user_user_namespaces_are_tried_directly()
    {
        await UserNamespaceCheck.RunAsync(_host.Probe(isRoot: false), TestContext.Current.CancellationToken);

        var (program, arguments) = Assert.Single(_host.Probes);
        Assert.Equal(Path.Join(_host.Bin, "unshare"), program);
        Assert.Equal(["--user", "--map-root-user", "true"], arguments);
    }

    [Fact(Timeout = 30000)]
    public async Task A_user_namespace_the_kernel_refuses_fails_with_its_message()
    {
        _host.ProbeAnswer = new ProbeResult(1, "unshare: unshare failed: Operation not permitted");

        var check = await UserNamespaceCheck.RunAsync(_host.Probe(), TestContext.Current.CancellationToken);

        Assert.Equal(CheckStatus.Fail, check.Status);
        Assert.Contains("Operation not permitted", check.Detail, StringComparison.Ordinal);
    }

    [Theory(Timeout = 30000)]
    [InlineData("/proc/sys/kernel/unprivileged_userns_clone", "0", "sysctl -w kernel.unprivileged_userns_clone=1")]
    [InlineData("/proc/sys/user/max_user_namespaces", "0", "sysctl -w user.max_user_namespaces=28633")]
    [InlineData("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "1", "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0")]
    public async Task A_sysctl_that_forbids_user_namespaces_fails_with_the_sysctl_to_set(string file, string value, string fix)
    {
        _host.Write(file, value + "\n");

        var check = await UserNamespaceCheck.RunAsync(_host.Probe(), TestContext.Current.CancellationToken);

        Assert.Equal(CheckStatus.Fail, check.Status);
        Assert.StartsWith(fix + "\n", check.Fix, StringComparison.Ordinal);
        Assert.Empty(_host.Probes);
    }

    [Fact]
    public void Sandbox_users_with_their_own_ranges_are_ok_whether_named_by_user_or_uid()
    {
        var check = SubordinateIdCheck.Run(_host.Probe());

        Assert.Equal(CheckStatus.Ok, check.Status);
        Assert.Contains("2 sandbox users (labd-sbx-0, labd-sbx-1)", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void No_sandbox_users_warns_with_the_commands_to_create_one()
    {
        _host.Write("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
        _host.Write("/etc/subuid", "");
        _host.Write("/etc/subgid", "");

        var check = SubordinateIdCheck.Run(_host.Probe());

        Assert.Equal(CheckStatus.Warn, check.Status);
        Assert.Equal(
            "useradd --system --no-create-home --shell /usr/sbin/nologin labd-sbx-0 && usermod --add-subuids 200000-265535 --add-subgids 200000-265535 labd-sbx-0",
            check.Fix);
    }

    [Fact]
    public void A_sandbox_user_without_subgids_fails_with_a_range_after_the_ones_in_use()
    {
        _host.Write("/etc/subgid", "labd-sbx-0:200000:65536\n");

        var check = SubordinateIdCheck.Run(_host.Probe());

        Assert.Equal(CheckStatus.Fail, check.Status);
        Assert.Contains("labd-sbx-1 lacks 65536 subgids", check.Detail, StringComparison.Ordinal);
        Assert.Equal("usermod --add-subuids 331072-396607 --add-subgids 331072-396607 labd-sbx-1", check.Fix);
    }

    [Fact]
    public void Two_sandbox_users_sharing_subuids_fail()
    {
        _host.Write("/etc/subuid", "labd-sbx-0:200000:65536\nlabd-sbx-1:230000:65536\n");

        var check = SubordinateIdCheck.Run(_host.Probe());

        Assert.Equal(CheckStatus.Fail, check.Status);
        Assert.Contains("labd-sbx-0 and labd-sbx-1 share subuids", check.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("35 24 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", "Ok", "v2 (unified) at /sys/fs/cgroup")]
    [InlineData("35 24 0:30 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n36 24 0:31 / /sys/fs/cgroup/memory rw shared:5 - cgroup cgroup rw,memory\n", "Warn", "hybrid: 1 v1 hierarchies, v2 at /sys/fs/cgroup/unified")]
    [InlineData("36 24 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n", "Warn", "v1 only (1 hierarchies)")]
    [InlineData("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n", "Fail", "no cgroup filesystem mounted")]
    public void The_cgroup_hierarchy_is_read_from_mountinfo(string mountinfo, string status, string detail)
    {
        _host.Write("/proc/self/mountinfo", mountinfo);

        var check = CgroupCheck.Run(_host.Probe());

        Assert.Equal(status, check.Status.ToString());
        Assert.StartsWith(detail, check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Gpu_nodes_are_listed_in_index_order_and_control_nodes_are_not_gpus()
    {
        foreach (var node in new[] { "nvidia10", "nvidia2", "nvidiactl", "nvidia-uvm" })
        {
            _host.Write("/dev/" + node, "");
        }

        var check = GpuCheck.Run(_host.Probe());

        Assert.Equal(DoctorCheck.Ok(GpuCheck.Name, "2: /dev/nvidia2, /dev/nvidia10"), check);
    }

    [Fact]
    public void No_gpu_nodes_is_fine()
    {
        Assert.Equal(CheckStatus.Ok, GpuCheck.Run(_host.Probe()).Status);
        Assert.StartsWith("none", GpuCheck.Run(_host.Probe()).Detail, StringComparison.Ordinal);
    }
}
