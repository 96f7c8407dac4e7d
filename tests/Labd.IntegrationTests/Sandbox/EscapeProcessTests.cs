using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using CliWrap;
using CliWrap.Buffered;
using Labd.Runs;
using Labd.SandboxPolicy;
using W = Labd.Runs.SandboxWeakening;

namespace Labd.IntegrationTests.Sandbox;

/// <summary>Escape suite A7, B13, B17, B18 and B19's negative control.</summary>
[Collection(SandboxTestGroup.Name)]
public sealed class EscapeProcessTests(SandboxFixture fx)
{
    private string SetuidCopy => Path.Combine(fx.Repo, "a7-suid");

    /// <summary>A root-owned setuid-root copy of bash in the repo (what a careless host could leave
    /// there), and the attacker's own copy with the bit set from inside.</summary>
    private async Task PlantSetuidRootAsync(CancellationToken ct)
    {
        File.Copy("/bin/bash", SetuidCopy, overwrite: true);
        await Cli.Wrap("chmod").WithArguments(["4755", SetuidCopy]).ExecuteAsync(ct);
    }

    [Fact(Timeout = 120_000)]
    public async Task A7_setuid_and_file_capability_elevation_leave_the_uid_unchanged()
    {
        var ct = TestContext.Current.CancellationToken;
        await PlantSetuidRootAsync(ct);
        try
        {
            var r = await fx.RunAsync(
                $"echo suid_root=$({SetuidCopy} -p -c 'id -u'); cp /bin/bash /tmp/b; chmod 4755 /tmp/b; echo suid_own=$(/tmp/b -p -c 'id -u'); " +
                "su -c id </dev/null >/dev/null 2>&1; echo su=$?; /usr/bin/passwd -S >/dev/null 2>&1; echo passwd=$?; " +
                "echo nnp=$(grep NoNewPrivs: /proc/self/status | tr -d ' \\t' | cut -d: -f2); echo capeff=$(grep CapEff: /proc/self/status | tr -d ' \\t' | cut -d: -f2); " +
                $"echo repo_mount=$(awk '$5 == \"{fx.Repo}\" {{print $6}}' /proc/self/mountinfo | tail -1)",
                cancellationToken: ct);
            Assert.True(r.Value("suid_root") == "1000", r.ToString());
            Assert.Equal("1000", r.Value("suid_own"));
            Assert.NotEqual("0", r.Value("su"));
            Assert.Equal("1", r.Value("nnp"));
            Assert.Equal("0000000000000000", r.Value("capeff"));
            Assert.Contains("nosuid", r.Value("repo_mount") ?? "", StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(SetuidCopy);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task A7_negative_control_without_the_sandbox_the_setuid_copy_elevates_the_sandbox_uid()
    {
        // bwrap always sets no_new_privs and binds nosuid, so no weakening flag can switch that
        // off: the control runs the same payload as the sandbox's host uid with no sandbox at all.
        var ct = TestContext.Current.CancellationToken;
        SandboxFixture.Require();
        await PlantSetuidRootAsync(ct);
        try
        {
            var user = (await fx.Registry.Users.EnsureAsync(ct))[^1];
            var result = await Cli.Wrap("/usr/bin/setpriv")
                .WithArguments(["--reuid", user.Uid.ToString(CultureInfo.InvariantCulture), "--regid", user.Gid.ToString(CultureInfo.InvariantCulture), "--clear-groups", "--", SetuidCopy, "-p", "-c", "id -u"])
                .ExecuteBufferedAsync(ct);
            Assert.Equal("0", result.StandardOutput.Trim());
        }
        finally
        {
            File.Delete(SetuidCopy);
        }
    }

    private static readonly string[] HostBinaries = ["/usr/bin/bwrap", "/usr/bin/rootlesskit", "/usr/bin/slirp4netns", "/usr/bin/setpriv", "/usr/bin/prlimit", "/usr/bin/sleep", "/bin/dash"];

    /// <summary>A world-writable copy of sleep, the kind of host binary CVE-2019-5736 overwrote.</summary>
    private string WritableHostBinary()
    {
        var dir = Path.Combine(fx.Root, "b13");
        Directory.CreateDirectory(dir);
        var copy = Path.Combine(dir, "sleep-b13");
        File.Copy("/usr/bin/sleep", copy, overwrite: true);
        Interop.Chmod.Set(copy, 0b111_111_111);
        return copy;
    }

    private static bool IsWatcher(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").StartsWith("/usr/bin/python3", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task B13_proc_exe_of_every_visible_process_cannot_be_reopened_for_writing()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostBinaries.Where(File.Exists).ToDictionary(b => b, Hash);
        var marker = "b13-" + Guid.NewGuid().ToString("N")[..8];
        var copy = WritableHostBinary();
        var run = await fx.StartAsync($"(sleep 1 &); /usr/bin/python3 {fx.Bin}/exewatch.py 4 {marker}", cancellationToken: ct);
        await HostProcesses.WaitUntilAsync(() => HostProcesses.With(marker).Any(IsWatcher), TimeSpan.FromSeconds(30), ct);
        // The same host binary runs meanwhile as the sandbox's host uid, outside the sandbox.
        var user = PlannedUser(run);
        await Cli.Wrap("/usr/bin/setpriv").WithArguments(["--reuid", user.Uid.ToString(CultureInfo.InvariantCulture), "--regid", user.Gid.ToString(CultureInfo.InvariantCulture), "--clear-groups", "--", copy, "1"]).ExecuteAsync(ct);
        var exit = await run.WaitAsync(ct);
        var log = await File.ReadAllTextAsync(run.LogPath, ct);
        Assert.True(exit.Outcome == RunOutcome.Exited && log.Contains("pid1_write=", StringComparison.Ordinal), log);
        Assert.DoesNotContain("wrote=", log, StringComparison.Ordinal);
        Assert.DoesNotContain("pid1_write=ok", log, StringComparison.Ordinal);
        Assert.Equal(Hash("/usr/bin/sleep"), Hash(copy));
        foreach (var (binary, hash) in before)
        {
            Assert.Equal(hash, Hash(binary));
        }
    }

    /// <summary>
    /// The weakening is the harness doing what labd never does: entering the sandbox's user and
    /// pid namespaces with a host binary (as runc's <c>exec</c> did). The watcher then sees it,
    /// holds its /proc/PID/exe and rewrites the host file once it has exited.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task B13_negative_control_a_host_binary_entered_into_the_sandbox_is_overwritten()
    {
        var ct = TestContext.Current.CancellationToken;
        var marker = "b13-" + Guid.NewGuid().ToString("N")[..8];
        var copy = WritableHostBinary();
        var run = await fx.StartAsync($"/usr/bin/python3 {fx.Bin}/exewatch.py 4 {marker}", cancellationToken: ct);
        await HostProcesses.WaitUntilAsync(() => HostProcesses.With(marker).Any(IsWatcher), TimeSpan.FromSeconds(30), ct);
        var entered = await Cli.Wrap("/usr/bin/nsenter")
            .WithArguments(["-t", HostProcesses.With(marker).First(IsWatcher).ToString(CultureInfo.InvariantCulture), "--user", "--pid", "-S", "1000", "-G", "1000", "--", copy, "1"])
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(ct);
        await run.WaitAsync(ct);
        var log = await File.ReadAllTextAsync(run.LogPath, ct);
        Assert.True(log.Contains("wrote=" + copy, StringComparison.Ordinal), $"nsenter: {entered.ExitCode} {entered.StandardError}\n{log}");
        Assert.NotEqual(Hash("/usr/bin/sleep"), Hash(copy));
    }

    /// <summary>
    /// There is no <c>labctl exec</c>: labd never enters a sandbox with a host binary. The one
    /// namespace it joins is the sandbox's network namespace (<c>nsenter --net</c> for
    /// iptables-restore, while the target is not yet running), so no host executable ever lives
    /// in a sandbox's pid namespace, where the target could reach its /proc/PID/exe.
    /// </summary>
    [Fact]
    public void B13_labd_joins_no_sandbox_namespace_but_the_network_one()
    {
        var sources = Directory.EnumerateFiles(SourceRoot(), "*.cs", SearchOption.AllDirectories).ToList();
        Assert.NotEmpty(sources);
        var nsenter = sources.SelectMany(f => File.ReadAllLines(f).Select(l => (f, l))).Where(x => x.l.Contains("\"/usr/bin/nsenter\"", StringComparison.Ordinal) || x.l.Contains("\"nsenter\"", StringComparison.Ordinal)).ToList();
        var (file, _) = Assert.Single(nsenter);
        Assert.EndsWith("SandboxChain.cs", file, StringComparison.Ordinal);
        var text = File.ReadAllText(file);
        // The namespace is the verified rootlesskit child's, held open by the supervisor (SandboxChild).
        Assert.Contains("$\"--net={_child", text, StringComparison.Ordinal);
        foreach (var option in new[] { "--mount", "--pid", "--target", "--all", "--user" })
        {
            Assert.DoesNotContain($"\"{option}", text, StringComparison.Ordinal);
        }
        Assert.DoesNotContain(sources, f => File.ReadAllText(f).Contains("EntryPoint = \"setns\"", StringComparison.Ordinal) || File.ReadAllText(f).Contains(" Setns(", StringComparison.Ordinal));
    }

    private static string SourceRoot([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "src", "labd"));

    private string S2Repo => Path.Combine(fx.Root, "s2repo");

    private async Task<(Run S2, string Marker)> StartS2Async(CancellationToken ct)
    {
        Interop.Chmod.CreateDirectory(S2Repo, 0b111_111_111);
        var marker = "b17s2" + Guid.NewGuid().ToString("N")[..8];
        var spec = fx.Spec() with { Files = fx.Spec().Files.Add(new FileRule(S2Repo, AccessMode.ReadWrite, "s2: rw", null)) };
        var s2 = await fx.StartAsync(
            $"echo s2 > {S2Repo}/own; exec /usr/bin/python3 -c \"import socket,time; s=socket.socket(socket.AF_UNIX); s.bind('\\0{marker}'); s.listen(); time.sleep(30)\" {marker}",
            spec: spec, cancellationToken: ct);
        await HostProcesses.SandboxUidAsync(marker, ct);
        return (s2, marker);
    }

    /// <summary>S1's probes. The marker never appears whole in S1's own argv (a grep would find itself).</summary>
    private string CrossSandbox(string marker) =>
        $"ls {S2Repo} >/dev/null 2>&1; echo ls_s2=$?; " +
        "n=0; p=1; while [ $p -le 65535 ]; do kill -0 $p 2>/dev/null && n=$((n+1)); p=$((p+1)); done; echo signalable=$n; " +
        $"echo seen=$(grep -l '{marker[..4]}[{marker[4]}]{marker[5..]}' /proc/[0-9]*/cmdline 2>/dev/null | wc -l); m={marker[..5]}; {fx.Net} unix abstract @${{m}}{marker[5..]}; " +
        "echo environ=$(cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep LAB_RUN_ID= | sort -u | wc -l)";

    [Fact(Timeout = 120_000)]
    public async Task B17_a_second_sandbox_is_invisible_unsignalable_and_has_its_own_uid()
    {
        var ct = TestContext.Current.CancellationToken;
        var (s2, marker) = await StartS2Async(ct);
        try
        {
            var r = await fx.RunAsync(CrossSandbox(marker), cancellationToken: ct);
            Assert.True(r.Value("ls_s2") is not null and not "0", r.ToString());
            Assert.True(int.Parse(r.Value("signalable")!, CultureInfo.InvariantCulture) < 10, r.ToString());
            Assert.Equal("0", r.Value("seen"));
            Assert.StartsWith("ConnectionRefusedError", r.Value("abstract"), StringComparison.Ordinal);
            Assert.Equal("1", r.Value("environ")); // only its own LAB_RUN_ID
            Assert.NotEqual(PlannedUid(r.Run), PlannedUid(s2));
            Assert.Equal("s2\n", await File.ReadAllTextAsync(Path.Combine(S2Repo, "own"), ct));
        }
        finally
        {
            await s2.CancelAsync(CancellationToken.None);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task B17_negative_control_sharing_the_pid_namespace_shows_the_other_sandbox()
    {
        var ct = TestContext.Current.CancellationToken;
        var (s2, marker) = await StartS2Async(ct);
        try
        {
            var r = await fx.RunAsync(CrossSandbox(marker), W.SharePidNamespace, cancellationToken: ct);
            Assert.True(r.Value("seen") is not null and not "0", r.ToString());
        }
        finally
        {
            await s2.CancelAsync(CancellationToken.None);
        }
    }

    private string CgroupAttack =>
        "echo self_cgroup=$(tr '\\n' ' ' < /proc/self/cgroup); echo $$ > /sys/fs/cgroup/cgroup.procs 2>/dev/null; echo cgprocs=$?; " +
        "echo max > /sys/fs/cgroup/memory.max 2>/dev/null; echo memmax=$?; echo max > /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null; echo memlimit=$?; " +
        $"mkdir -p /tmp/c; {fx.Probe} cgroupmount /tmp/c; sleep 1; : ";

    [Fact(Timeout = 120_000)]
    public async Task B18_cgroup_files_and_mounts_are_out_of_reach_and_the_run_sits_in_its_labd_leaf()
    {
        var ct = TestContext.Current.CancellationToken;
        var marker = "b18-" + Guid.NewGuid().ToString("N")[..8];
        var spec = fx.Spec(memoryBytes: 512L << 20, pids: 256);
        var run = await fx.StartAsync(CgroupAttack + marker, spec: spec, cancellationToken: ct);
        await HostProcesses.SandboxUidAsync(marker, ct);
        var target = HostProcesses.With(marker).First(p => HostProcesses.UidOf(p) > 0);
        string hostCgroup;
        try
        {
            hostCgroup = await File.ReadAllTextAsync($"/proc/{target}/cgroup", ct);
        }
        catch (IOException)
        {
            hostCgroup = "";
        }
        var r = new SandboxResult(run, await run.WaitAsync(ct), await File.ReadAllTextAsync(run.LogPath, ct));
        foreach (var step in new[] { "cgprocs", "memmax", "memlimit" })
        {
            Assert.True(r.Value(step) is not null and not "0", $"{step}: {r}");
        }
        Assert.Equal("EPERM", r.Value("mount_cgroup1_memory"));
        Assert.Equal("EPERM", r.Value("mount_cgroup2"));
        if (!SupervisorLauncher.UnderSystemd)
        {
            Assert.True(hostCgroup.Contains($"labd/{run.Id}", StringComparison.Ordinal), hostCgroup + r);
            bool LeafLeft() => Directory.Exists($"/sys/fs/cgroup/memory/labd/{run.Id}") || Directory.Exists($"/sys/fs/cgroup/labd/{run.Id}");
            await HostProcesses.WaitUntilAsync(() => !LeafLeft(), TimeSpan.FromSeconds(5), ct);
            Assert.False(LeafLeft(), "the run's cgroup leaf was not removed");
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task B18_negative_control_root_with_caps_in_rootlesskits_userns_mounts_cgroup2()
    {
        var r = await fx.RunAsync(CgroupAttack + "x", W.RootWithCapabilities | W.NoNestedUserNamespace | W.NoSeccomp, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("mount_cgroup2") == "ok", r.ToString());
    }

    [Fact(Timeout = 120_000)]
    public async Task B19_negative_control_without_pid_namespace_and_uid_sweep_the_double_fork_outlives_the_sandbox()
    {
        var ct = TestContext.Current.CancellationToken;
        var marker = "labd-orphan-" + Guid.NewGuid().ToString("N")[..8];
        var r = await fx.RunAsync($"setsid sh -c 'sleep 60; : {marker}' </dev/null >/dev/null 2>&1 & sleep 0.3; echo ended", W.SharePidNamespace | W.NoUserSweep, cancellationToken: ct);
        var orphans = HostProcesses.With(marker);
        try
        {
            Assert.True(orphans.Count > 0, r.ToString());
        }
        finally
        {
            foreach (var uid in orphans.Select(HostProcesses.UidOf).Where(u => u > 0).Distinct())
            {
                SandboxChain.SweepUser(uid);
            }
        }
    }

    /// <summary>The host uid labd leased to the run (from its launch plan).</summary>
    internal static int PlannedUid(Run run) => PlannedUser(run).Uid;

    internal static SandboxUser PlannedUser(Run run) =>
        System.Text.Json.JsonSerializer.Deserialize(File.ReadAllText(run.Paths.LaunchPlan), RunsJsonContext.Default.LaunchPlan)!.User;

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
