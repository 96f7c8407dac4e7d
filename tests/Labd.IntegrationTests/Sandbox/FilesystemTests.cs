using System.Security.Cryptography;
using Labd.Runs;
using Labd.SandboxPolicy;
using W = Labd.Runs.SandboxWeakening;

namespace Labd.IntegrationTests.Sandbox;

/// <summary>Escape suite B1–B9: file rules, pinned bind sources, device nodes, /proc.</summary>
[Collection(SandboxTestGroup.Name)]
public sealed class FilesystemTests(SandboxFixture fx)
{
    private string Outside => Path.Combine(fx.Root, "outside-x");

    private string WriteOutside =>
        string.Join("; ", new[] { "/usr/x", "/etc/x", "/var/x", "/root/x", "/home/x", $"{fx.Repo}/../outside-x" }
            .Select((p, i) => $"touch {p} 2>/dev/null; echo touch{i}=$?"));

    [Fact(Timeout = 120_000)]
    public async Task B1_writes_outside_the_rw_roots_fail_and_create_nothing()
    {
        var r = await fx.RunAsync(WriteOutside, cancellationToken: TestContext.Current.CancellationToken);
        for (var i = 0; i < 5; i++)
        {
            Assert.True(r.Value($"touch{i}") is not null and not "0", r.ToString());
        }
        // $REPO/.. inside is a directory on the sandbox's private /tmp: writable, but not the host's.
        Assert.False(File.Exists(Outside));
        Assert.False(File.Exists("/usr/x") || File.Exists("/etc/x"));
    }

    [Fact(Timeout = 120_000)]
    public async Task B1_negative_control_with_the_parent_bound_rw_the_write_lands_on_the_host()
    {
        var spec = fx.Spec() with { Files = fx.Spec().Files.Add(new FileRule(fx.Root, AccessMode.ReadWrite, "root: rw", null)).Sort((a, b) => string.CompareOrdinal(a.Path, b.Path)) };
        Interop.Chmod.Set(fx.Root, 0b111_111_111);
        try
        {
            var r = await fx.RunAsync(WriteOutside, spec: spec, cancellationToken: TestContext.Current.CancellationToken);
            Assert.True(File.Exists(Outside), r.ToString());
        }
        finally
        {
            Interop.Chmod.Set(fx.Root, 0b111_101_101);
            File.Delete(Outside);
        }
    }

    private string ReadSecrets => $"cat {fx.Repo}/secrets/key; ls /etc/labd /var/lib/labd /home /run/user /root 2>&1; echo done=1";

    [Fact(Timeout = 120_000)]
    public async Task B2_hidden_paths_and_host_secrets_are_not_readable()
    {
        var r = await fx.RunAsync(ReadSecrets, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("1", r.Value("done"));
        Assert.DoesNotContain("TOP-SECRET-KEY", r.Log, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task B2_negative_control_without_the_hidden_rule_the_secret_is_read()
    {
        var spec = fx.Spec() with { Files = fx.Spec().Files.RemoveAll(f => f.Mode == AccessMode.Hidden) };
        var r = await fx.RunAsync(ReadSecrets, spec: spec, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains("TOP-SECRET-KEY", r.Log, StringComparison.Ordinal);
    }

    private string WriteReadOnly =>
        $"s={fx.ScorePath}; echo x >> $s; echo append=$?; truncate -s0 $s; echo truncate=$?; chmod 777 $s; echo chmod=$?; " +
        $"rm -f $s; echo rm=$?; mv {fx.Repo}/eval {fx.Repo}/e2; echo mv=$?";

    [Fact(Timeout = 120_000)]
    public async Task B3_B4_writes_to_a_ro_rule_fail_and_the_hash_is_unchanged()
    {
        var before = Hash(fx.ScorePath);
        var r = await fx.RunAsync(WriteReadOnly, cancellationToken: TestContext.Current.CancellationToken);
        foreach (var op in new[] { "append", "truncate", "chmod", "rm", "mv" })
        {
            Assert.True(r.Value(op) is not null and not "0", $"{op}: {r}");
        }
        Assert.Equal(before, Hash(fx.ScorePath));
        Assert.True(Directory.Exists(Path.Combine(fx.Repo, "eval")));
    }

    [Fact(Timeout = 120_000)]
    public async Task B3_negative_control_with_eval_rw_the_file_changes()
    {
        var original = await File.ReadAllTextAsync(fx.ScorePath, TestContext.Current.CancellationToken);
        var spec = fx.Spec() with { Files = fx.Spec().Files.RemoveAll(f => f.Path.EndsWith("/eval", StringComparison.Ordinal)) };
        try
        {
            var r = await fx.RunAsync($"echo x >> {fx.ScorePath}; echo append=$?", spec: spec, cancellationToken: TestContext.Current.CancellationToken);
            Assert.True(r.Value("append") == "0", r.ToString());
            Assert.NotEqual(original, await File.ReadAllTextAsync(fx.ScorePath, TestContext.Current.CancellationToken));
        }
        finally
        {
            await File.WriteAllTextAsync(fx.ScorePath, original, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Run 1 (under a policy where cache/ is not its own mount) plants cache -> ../victim.</summary>
    private async Task PlantSymlinkAsync()
    {
        var spec = fx.Spec() with { Files = fx.Spec().Files.RemoveAll(f => f.Path.EndsWith("/cache", StringComparison.Ordinal)) };
        var r = await fx.RunAsync($"rm -rf {fx.Repo}/cache && ln -s ../victim {fx.Repo}/cache; echo planted=$?", spec: spec, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("planted") == "0" && new FileInfo(Path.Combine(fx.Repo, "cache")).LinkTarget is not null, r.ToString());
    }

    /// <summary>The policy of run 2: the usual one plus the victim tree read-only (say, a shared dataset).</summary>
    private Labd.SandboxPolicy.SandboxSpec VictimReadOnlySpec() => fx.Spec() with
    {
        Files = fx.Spec().Files.Insert(0, new FileRule(fx.Victim, AccessMode.ReadOnly, "victim: ro", null)),
    };

    private void RestoreCache()
    {
        var cache = Path.Combine(fx.Repo, "cache");
        if (new FileInfo(cache).LinkTarget is not null)
        {
            File.Delete(cache);
        }
        Interop.Chmod.CreateDirectory(cache, 0b111_111_111);
        foreach (var f in Directory.EnumerateFiles(fx.Victim))
        {
            File.Delete(f);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task B5_symlink_planted_at_a_policy_path_by_run_1_is_refused_by_run_2()
    {
        try
        {
            await PlantSymlinkAsync();
            var r = await fx.RunAsync($"touch {fx.Repo}/cache/pwn; echo touched=$?", spec: VictimReadOnlySpec(), cancellationToken: TestContext.Current.CancellationToken);
            Assert.True(r.Exit.Outcome == RunOutcome.SetupFailed, r.ToString());
            Assert.Contains("symbolic link", r.Exit.Message, StringComparison.Ordinal);
            Assert.Null(r.Value("touched"));
            Assert.Empty(Directory.EnumerateFileSystemEntries(fx.Victim));
        }
        finally
        {
            RestoreCache();
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task B5_negative_control_path_string_binds_follow_the_symlink_into_victim()
    {
        try
        {
            await PlantSymlinkAsync();
            var r = await fx.RunAsync($"touch {fx.Repo}/cache/pwn; echo touched=$?", W.PathStringBinds, spec: VictimReadOnlySpec(), cancellationToken: TestContext.Current.CancellationToken);
            Assert.True(File.Exists(Path.Combine(fx.Victim, "pwn")), r.ToString());
        }
        finally
        {
            RestoreCache();
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task B7_hard_links_and_device_nodes_are_refused_and_dev_is_minimal()
    {
        var r = await fx.RunAsync(
            $"ln /etc/passwd {fx.Repo}/pw 2>/dev/null; echo ln1=$?; ln {fx.ScorePath} {fx.Repo}/s2 2>/dev/null; echo ln2=$?; " +
            $"mknod {fx.Repo}/null c 1 3 2>/dev/null; echo mknod=$?; echo dev=$(ls /dev | tr '\\n' ' ')",
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("ln1") is not null and not "0", r.ToString());
        Assert.NotEqual("0", r.Value("ln2"));
        Assert.NotEqual("0", r.Value("mknod"));
        var dev = r.Value("dev")!.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        var allowed = new HashSet<string> { "console", "core", "fd", "full", "mqueue", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin", "stdout", "tty", "urandom", "zero" };
        Assert.True(dev.IsSubsetOf(allowed), string.Join(",", dev.Except(allowed)));
        Assert.False(File.Exists(Path.Combine(fx.Repo, "pw")) || File.Exists(Path.Combine(fx.Repo, "s2")) || File.Exists(Path.Combine(fx.Repo, "null")));
    }

    private const string GpuCheck = "echo nodes=$(cd /dev && ls -d nvidia* 2>/dev/null | tr '\\n' ' '); echo cuda=$CUDA_VISIBLE_DEVICES; mknod /tmp/n0 c 195 0 2>/dev/null; echo mknod=$?";

    [Fact(Timeout = 120_000)]
    public async Task B8_only_the_leased_gpus_and_control_nodes_exist_inside()
    {
        var r = await fx.RunAsync(GpuCheck, gpus: [1, 3], cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("nodes") == "nvidia1 nvidia3 nvidiactl", r.ToString());
        Assert.Equal("0,1", r.Value("cuda"));
        Assert.NotEqual("0", r.Value("mknod"));
        var none = await fx.RunAsync(GpuCheck, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("", none.Value("nodes"));
        Assert.Equal("", none.Value("cuda"));
    }

    [Fact(Timeout = 120_000)]
    public async Task B8_negative_control_leasing_every_gpu_shows_every_node()
    {
        var r = await fx.RunAsync(GpuCheck, gpus: [0, 1, 2, 3], cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("nodes") == "nvidia0 nvidia1 nvidia2 nvidia3 nvidiactl", r.ToString());
        Assert.Equal("0,1,2,3", r.Value("cuda"));
    }

    private const string ProcLeaks =
        "echo pids=$(ls /proc | grep -c '^[0-9]'); echo argv=$(grep -l labd-canary-ar[g]v /proc/[0-9]*/cmdline 2>/dev/null | wc -l); " +
        "echo 1 > /proc/sys/kernel/sysrq 2>/dev/null; echo sysrq=$?; ls /sys >/dev/null 2>&1; echo sys=$?";

    [Fact(Timeout = 120_000)]
    public async Task B9_proc_shows_only_sandbox_pids_and_proc_sys_is_read_only()
    {
        using var canary = StartArgvCanary();
        var r = await fx.RunAsync(ProcLeaks, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(int.Parse(r.Value("pids")!, System.Globalization.CultureInfo.InvariantCulture) < 10, r.ToString());
        Assert.Equal("0", r.Value("argv"));
        Assert.NotEqual("0", r.Value("sysrq"));
        Assert.NotEqual("0", r.Value("sys"));
    }

    [Fact(Timeout = 120_000)]
    public async Task B9_negative_control_sharing_the_pid_namespace_exposes_host_argv()
    {
        using var canary = StartArgvCanary();
        var r = await fx.RunAsync(ProcLeaks, W.SharePidNamespace, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("argv") != "0", r.ToString());
    }

    private static HostProcess StartArgvCanary() => new("/bin/sh", "-c", "sleep 60; : labd-canary-argv");

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
