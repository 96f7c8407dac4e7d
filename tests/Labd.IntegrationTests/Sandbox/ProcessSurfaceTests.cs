using System.Security.Cryptography;
using Labd.Runs;
using W = Labd.Runs.SandboxWeakening;

namespace Labd.IntegrationTests.Sandbox;

/// <summary>Escape suite A: process and kernel surface. Each test has its negative control.</summary>
[Collection(SandboxTestGroup.Name)]
public sealed class ProcessSurfaceTests(SandboxFixture fx)
{
    private const string Posture =
        "for k in CapInh CapPrm CapEff CapBnd CapAmb NoNewPrivs Seccomp; do echo \"$k=$(grep \"^$k:\" /proc/self/status | tr -d ' \\t' | cut -d: -f2)\"; done; " +
        "for n in user mnt pid net ipc uts cgroup; do echo \"ns_$n=$(readlink /proc/self/ns/$n)\"; done; " +
        "echo \"uid=$(id -u)\"; echo \"uidmap_lines=$(wc -l < /proc/self/uid_map)\"; echo \"uidmap=$(tr -s ' ' < /proc/self/uid_map)\"";

    [Fact(Timeout = 120_000)]
    public async Task A1_posture_has_no_caps_nnp_seccomp_new_namespaces_and_nonzero_uid()
    {
        var r = await fx.RunAsync(Posture, cancellationToken: TestContext.Current.CancellationToken);
        foreach (var cap in new[] { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" })
        {
            Assert.True(r.Value(cap) == "0000000000000000", $"{cap}: {r}");
        }
        Assert.Equal("1", r.Value("NoNewPrivs"));
        Assert.Equal("2", r.Value("Seccomp"));
        foreach (var ns in new[] { "user", "mnt", "pid", "net", "ipc", "uts", "cgroup" })
        {
            var mine = new FileInfo($"/proc/self/ns/{ns}").LinkTarget;
            Assert.False(string.IsNullOrEmpty(r.Value("ns_" + ns)), r.ToString());
            Assert.NotEqual(mine, r.Value("ns_" + ns));
        }
        Assert.Equal("1000", r.Value("uid"));
        Assert.Equal("1", r.Value("uidmap_lines"));
    }

    [Fact(Timeout = 120_000)]
    public async Task A1_negative_control_as_root_with_caps_and_without_seccomp_the_posture_check_sees_it()
    {
        var r = await fx.RunAsync(Posture, W.RootWithCapabilities | W.NoSeccomp, cancellationToken: TestContext.Current.CancellationToken);
        Assert.NotEqual("0000000000000000", r.Value("CapEff"));
        Assert.Equal("0", r.Value("Seccomp"));
        Assert.Equal("0", r.Value("uid"));
    }

    private string MountAttack => $"{fx.Probe} mounts {fx.Repo}/eval; echo x >> {fx.ScorePath}; echo append=$?";

    [Fact(Timeout = 120_000)]
    public async Task A2_umount_of_ro_bind_fails_with_EPERM()
    {
        var before = Hash(fx.ScorePath);
        var r = await fx.RunAsync(MountAttack, cancellationToken: TestContext.Current.CancellationToken);
        foreach (var call in new[] { "umount", "umount_lazy", "remount_rw", "mount_tmpfs" })
        {
            Assert.True(r.Value(call) == "EPERM", $"{call}: {r}");
        }
        Assert.NotEqual("0", r.Value("append"));
        Assert.Equal(before, Hash(fx.ScorePath));
    }

    [Fact(Timeout = 120_000)]
    public async Task A2_negative_control_without_cap_drop_umount_succeeds()
    {
        var original = await File.ReadAllTextAsync(fx.ScorePath, TestContext.Current.CancellationToken);
        try
        {
            var r = await fx.RunAsync($"{fx.Probe} umount {fx.Repo}/eval; echo x >> {fx.ScorePath}; echo append=$?", W.RootWithCapabilities | W.NoNestedUserNamespace | W.NoSeccomp, cancellationToken: TestContext.Current.CancellationToken);
            Assert.True(r.Value("umount") == "ok", r.ToString());
            Assert.Equal("0", r.Value("append"));
            Assert.NotEqual(original, await File.ReadAllTextAsync(fx.ScorePath, TestContext.Current.CancellationToken));
        }
        finally
        {
            await File.WriteAllTextAsync(fx.ScorePath, original, TestContext.Current.CancellationToken);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task A3_A4_namespace_and_mount_entry_points_fail_with_EPERM_or_ENOSYS()
    {
        var r = await fx.RunAsync($"{fx.Probe} namespaces; unshare -Urm true; echo unshare_cmd=$?", cancellationToken: TestContext.Current.CancellationToken);
        foreach (var call in new[] { "unshare_user", "unshare_mnt", "clone_newuser", "setns", "open_tree", "move_mount", "fsopen", "fsmount", "fspick", "mount_setattr", "pivot_root", "chroot" })
        {
            Assert.True(r.Value(call) == "EPERM", $"{call}: {r}");
        }
        Assert.Equal("ENOSYS", r.Value("clone3"));
        Assert.NotEqual("0", r.Value("unshare_cmd"));
    }

    [Fact(Timeout = 120_000)]
    public async Task A3_A4_negative_control_without_nested_userns_and_seccomp_unshare_user_succeeds()
    {
        var r = await fx.RunAsync($"{fx.Probe} namespaces", W.NoNestedUserNamespace | W.NoSeccomp, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("unshare_user") == "ok", r.ToString());
        Assert.Equal("EBADF", r.Value("setns"));
    }

    private string FirewallAttack(int port) =>
        "/usr/sbin/iptables -t nat -F; echo natflush=$?; /usr/sbin/iptables -F; echo flush=$?; /usr/sbin/iptables -P OUTPUT ACCEPT; echo policy=$?; /usr/sbin/iptables -P INPUT ACCEPT; " +
        "/usr/sbin/ip route add 10.9.0.0/16 via 10.0.2.2; echo route=$?; /usr/sbin/ip link set lo down; echo lodown=$?; " +
        $"{fx.Net} tcp direct {EgressHostAddress.Default} {port}";

    [Fact(Timeout = 120_000)]
    public async Task A5_firewall_cannot_be_changed_inside_and_direct_egress_stays_closed()
    {
        using var canary = new HostCanary(EgressHostAddress.Default, "CANARY");
        var r = await fx.RunAsync(FirewallAttack(canary.Port), cancellationToken: TestContext.Current.CancellationToken);
        foreach (var step in new[] { "natflush", "flush", "policy", "lodown", "route" })
        {
            Assert.True(r.Value(step) is not null and not "0" and not "127", $"{step}: {r}");
        }
        Assert.Equal("ConnectionRefusedError", r.Value("direct"));
        Assert.Equal(0, canary.Connections);
    }

    [Fact(Timeout = 120_000)]
    public async Task A5_negative_control_root_in_rootlesskit_userns_flushes_and_connects()
    {
        using var canary = new HostCanary(EgressHostAddress.Default, "CANARY");
        var r = await fx.RunAsync(FirewallAttack(canary.Port), W.RootWithCapabilities | W.NoNestedUserNamespace, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("flush") == "0", r.ToString());
        Assert.Equal("ok:CANARY", r.Value("direct"));
        Assert.Equal(1, canary.Connections);
    }

    [Fact(Timeout = 120_000)]
    public async Task A6_TIOCSTI_and_TIOCLINUX_fail_with_EPERM_even_with_high_bits_set()
    {
        var r = await fx.RunAsync($"{fx.Probe} tiocsti", cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("tiocsti") == "EPERM", r.ToString());
        Assert.Equal("EPERM", r.Value("tiocsti_high_bits"));
        Assert.Equal("EPERM", r.Value("tioclinux"));
    }

    [Fact(Timeout = 120_000)]
    public async Task A6_negative_control_without_seccomp_TIOCSTI_reaches_the_kernel()
    {
        var r = await fx.RunAsync($"{fx.Probe} tiocsti", W.NoSeccomp, cancellationToken: TestContext.Current.CancellationToken);
        // ok where dev.tty.legacy_tiocsti=1, EIO where the kernel refuses it itself: never seccomp's EPERM.
        Assert.True(r.Value("tiocsti") is "ok" or "EIO", r.ToString());
        Assert.True(r.Value("tiocsti_high_bits") is "ok" or "EIO", r.ToString());
    }

    // With --new-session the sandbox's session is led by its reaper (pid 1 inside); without it
    // the target stays in the supervisor's session, which lies outside its pid namespace (0).
    private const string SessionCheck = "echo sid=$(cut -d' ' -f6 /proc/$$/stat)";

    [Fact(Timeout = 120_000)]
    public async Task A6_target_runs_in_a_new_session()
    {
        var r = await fx.RunAsync(SessionCheck, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("sid") == "1", r.ToString());
    }

    [Fact(Timeout = 120_000)]
    public async Task A6_negative_control_without_new_session_the_target_shares_the_outer_session()
    {
        var r = await fx.RunAsync(SessionCheck, W.NoNewSession, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("sid") == "0", r.ToString());
    }

    [Fact(Timeout = 120_000)]
    public async Task A8_A9_A10_kernel_surface_is_refused()
    {
        var r = await fx.RunAsync($"{fx.Probe} kernel", cancellationToken: TestContext.Current.CancellationToken);
        foreach (var call in new[] { "io_uring_setup", "bpf", "perf_event_open", "userfaultfd", "kexec_load", "init_module", "personality_ffff", "socket_alg", "socket_vsock", "socket_packet", "keyctl", "add_key", "request_key", "ptrace", "process_vm_readv" })
        {
            Assert.True(r.Value(call) is "EPERM" or "ENOSYS", $"{call}: {r}");
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task A8_A9_A10_negative_control_without_seccomp_the_kernel_answers()
    {
        var r = await fx.RunAsync($"{fx.Probe} kernel", W.NoSeccomp, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("io_uring_setup") == "EFAULT", r.ToString());
        Assert.Equal("ok", r.Value("socket_vsock"));
        Assert.Equal("ok", r.Value("keyctl"));
        Assert.Equal("ok", r.Value("ptrace"));
    }

    private string AbiAttack => $"{fx.Probe} abi; echo abi_status=$?; {fx.Probe} x32; echo x32_status=$?";

    [Fact(Timeout = 120_000)]
    public async Task A10_i386_and_x32_syscalls_kill_the_process()
    {
        var r = await fx.RunAsync(AbiAttack, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("abi_status") == "159", r.ToString()); // 128 + SIGSYS
        Assert.Null(r.Value("i386 socketcall"));
        Assert.Equal("159", r.Value("x32_status"));
    }

    [Fact(Timeout = 120_000)]
    public async Task A10_negative_control_without_seccomp_int80_creates_sockets()
    {
        var r = await fx.RunAsync(AbiAttack, W.NoSeccomp, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(int.TryParse(r.Value("i386 socketcall"), out var fd) && fd >= 0, r.ToString());
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
