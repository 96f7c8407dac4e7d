using Labd.Hosting;

namespace Labd.Tests.Hosting;

public sealed class SandboxReadinessProbeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("labdt-probe-").FullName;

    public SandboxReadinessProbeTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "dev/net"));
        Directory.CreateDirectory(Path.Combine(_root, "proc/sys/user"));
        Directory.CreateDirectory(Path.Combine(_root, "proc/sys/kernel"));
        File.WriteAllText(Path.Combine(_root, "proc/sys/user/max_user_namespaces"), "15000\n");
        File.WriteAllText(Path.Combine(_root, "proc/sys/kernel/unprivileged_userns_clone"), "1\n");
        File.WriteAllText(Path.Combine(_root, "dev/net/tun"), "");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_tun_device_only_root_can_open_is_reported_with_the_chmod_to_run()
    {
        File.SetUnixFileMode(Path.Combine(_root, "dev/net/tun"), UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var readiness = new SandboxReadinessProbe(_root).Probe();

        Assert.Contains(readiness.Problems, p => p.Contains("chmod 0666", StringComparison.Ordinal));
    }

    [Fact]
    public void Disabled_user_namespaces_are_reported_with_the_sysctl_to_run()
    {
        File.WriteAllText(Path.Combine(_root, "proc/sys/kernel/unprivileged_userns_clone"), "0\n");

        var readiness = new SandboxReadinessProbe(_root).Probe();

        Assert.False(readiness.Ready);
        Assert.Contains(readiness.Problems, p => p.Contains("kernel.unprivileged_userns_clone=1", StringComparison.Ordinal));
    }

    [Fact]
    public void A_good_tun_and_namespaces_raise_no_such_problem()
    {
        File.SetUnixFileMode(Path.Combine(_root, "dev/net/tun"), (UnixFileMode)0b110_110_110);

        var readiness = new SandboxReadinessProbe(_root).Probe();

        Assert.DoesNotContain(readiness.Problems, p => p.Contains("tun", StringComparison.Ordinal) || p.Contains("namespaces", StringComparison.Ordinal));
    }
}
