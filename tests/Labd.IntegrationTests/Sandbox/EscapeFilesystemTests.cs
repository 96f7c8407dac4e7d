using System.Net.Sockets;
using Labd.Runs;
using Labd.SandboxPolicy;
using W = Labd.Runs.SandboxWeakening;

namespace Labd.IntegrationTests.Sandbox;

/// <summary>Escape suite B4, B6, B7's negative control, B12 and B16.</summary>
[Collection(SandboxTestGroup.Name)]
public sealed class EscapeFilesystemTests(SandboxFixture fx)
{
    private const string Original = "print('score')\n";

    /// <summary>B4's policy: the repo rw and only the leaf file ro (not its directory).</summary>
    private SandboxSpec LeafOnlySpec() => fx.Spec() with
    {
        Files = fx.Spec().Files.RemoveAll(f => f.Path.EndsWith("/eval", StringComparison.Ordinal))
            .Add(new FileRule(fx.ScorePath, AccessMode.ReadOnly, "score.py: ro", null)),
    };

    private string RenameAncestor =>
        $"cd {fx.Repo} && mv eval eval.old; echo mv=$?; mv eval/golden eval/g2; echo mv2=$?; rmdir eval/golden; echo rmdir=$?; " +
        "mkdir -p eval/golden && echo fake > eval/golden/score.py; echo fake=$?";

    private void RestoreEval()
    {
        var old = Path.Combine(fx.Repo, "eval.old");
        if (Directory.Exists(old))
        {
            Directory.Delete(Path.Combine(fx.Repo, "eval"), recursive: true);
            Directory.Move(old, Path.Combine(fx.Repo, "eval"));
        }
        File.WriteAllText(fx.ScorePath, Original);
    }

    [Fact(Timeout = 120_000)]
    public async Task B4_renaming_an_ancestor_of_a_ro_leaf_fails_with_EBUSY_and_the_host_file_stays()
    {
        try
        {
            var r = await fx.RunAsync(RenameAncestor, spec: LeafOnlySpec(), cancellationToken: TestContext.Current.CancellationToken);
            Assert.True(r.Value("mv") is not null and not "0", r.ToString());
            Assert.NotEqual("0", r.Value("mv2"));
            Assert.NotEqual("0", r.Value("rmdir"));
            Assert.Contains("Device or resource busy", r.Log, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(fx.Repo, "eval.old")));
            Assert.Equal(Original, await File.ReadAllTextAsync(fx.ScorePath, TestContext.Current.CancellationToken));
        }
        finally
        {
            RestoreEval();
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task B4_negative_control_without_ancestor_pins_the_rename_puts_a_fake_at_the_host_path()
    {
        try
        {
            var r = await fx.RunAsync(RenameAncestor, W.NoAncestorPins, spec: LeafOnlySpec(), cancellationToken: TestContext.Current.CancellationToken);
            Assert.True(r.Value("mv") == "0", r.ToString());
            Assert.Equal("fake\n", await File.ReadAllTextAsync(fx.ScorePath, TestContext.Current.CancellationToken));
        }
        finally
        {
            RestoreEval();
        }
    }

    private const int Sandboxes = 200;

    private string Cache => Path.Combine(fx.Repo, "cache");

    /// <summary>The policy of B5's run 2: the usual one plus the victim tree read-only.</summary>
    private SandboxSpec VictimReadOnlySpec() => fx.Spec() with
    {
        Files = fx.Spec().Files.Insert(0, new FileRule(fx.Victim, AccessMode.ReadOnly, "victim: ro", null)),
    };

    /// <summary>The B6 swapper, on the host as a leftover process of an earlier run would:
    /// cache → cache.d, cache → ../victim, rm, back. The symlink stands for
    /// <paramref name="symlinkMs"/> and the directory for 2 ms of each round.</summary>
    private Task SwapAsync(int symlinkMs, CancellationToken stop) => Task.Run(() =>
    {
        var parked = Cache + ".d";
        while (!stop.IsCancellationRequested)
        {
            try
            {
                Directory.Move(Cache, parked);
                File.CreateSymbolicLink(Cache, "../victim");
                Thread.Sleep(symlinkMs);
                File.Delete(Cache);
                Directory.Move(parked, Cache);
                Thread.Sleep(2);
            }
            catch (IOException)
            {
            }
        }
        if (new FileInfo(Cache).LinkTarget is not null)
        {
            File.Delete(Cache);
        }
        if (Directory.Exists(parked) && !Directory.Exists(Cache))
        {
            Directory.Move(parked, Cache);
        }
    }, CancellationToken.None);

    /// <summary>Starts up to <paramref name="count"/> sandboxes, four at a time (the pool), each
    /// stat-ing and writing into cache/ while the swapper runs; stops early once victim/ is written.</summary>
    /// <remarks>File names carry <paramref name="prefix"/>, so a file left by another test (the
    /// negative control runs with its own prefix) is never mistaken for this test's escape.</remarks>
    private async Task<List<SandboxResult>> RaceAsync(int count, W weakening, string prefix, CancellationToken ct, int symlinkMs = 2)
    {
        Assert.True(!Directory.EnumerateFileSystemEntries(fx.Victim).Any(),
            $"victim/ is not empty before the race: {string.Join(", ", Directory.EnumerateFileSystemEntries(fx.Victim).Select(Path.GetFileName))}");
        using var stop = new CancellationTokenSource();
        var swapper = SwapAsync(symlinkMs, stop.Token);
        var results = new List<SandboxResult>();
        try
        {
            for (var i = 0; i < count && !Directory.EnumerateFileSystemEntries(fx.Victim).Any(); i += 4)
            {
                var batch = Enumerable.Range(i, Math.Min(4, count - i)).Select(n => RunWhenAUserIsFreeAsync(
                    $"echo st=$(stat -c %d:%i {Cache} 2>&1); touch {Cache}/{prefix}-{n} 2>/dev/null; echo touched=$?", weakening, ct));
                results.AddRange(await Task.WhenAll(batch));
            }
        }
        finally
        {
            await stop.CancelAsync();
            await swapper;
        }
        return results;
    }

    /// <summary>A pool uid comes free a moment after the run it served has recorded its exit.</summary>
    private async Task<SandboxResult> RunWhenAUserIsFreeAsync(string script, W weakening, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await fx.RunAsync(script, weakening, spec: VictimReadOnlySpec(), cancellationToken: ct);
            }
            catch (InvalidOperationException e) when (attempt < 100 && e.Message.Contains("sandbox users are in use", StringComparison.Ordinal))
            {
                await Task.Delay(100, ct);
            }
        }
    }

    /// <summary>Diagnostics: the repo's entries and victim/ with their device:inode.</summary>
    private string HostState() => string.Join(" ", Directory.EnumerateFileSystemEntries(fx.Repo).Append(fx.Victim)
        .Select(p => $"{Path.GetFileName(p)}={(new FileInfo(p).LinkTarget is { } t ? "->" + t : Labd.IntegrationTests.Daemon.Command.CheckedAsync("stat", ["-c", "%d:%i:%U", p], CancellationToken.None).GetAwaiter().GetResult().Trim())}"));

    private void CleanVictim()
    {
        foreach (var f in Directory.EnumerateFiles(fx.Victim))
        {
            File.Delete(f);
        }
        foreach (var f in Directory.EnumerateFiles(Cache))
        {
            File.Delete(f);
        }
    }

    /// <summary>The suite's 200 sandboxes, four at a time. Most are refused at set-up within
    /// milliseconds (the symlink stands half the time); the rest are full chains.</summary>
    [Fact(Timeout = 300_000)]
    public async Task B6_two_hundred_sandboxes_started_during_a_symlink_swap_never_write_into_victim()
    {
        try
        {
            var results = await RaceAsync(Sandboxes, W.None, "b6", TestContext.Current.CancellationToken);
            var planted = Directory.EnumerateFileSystemEntries(fx.Victim).Select(Path.GetFileName).ToList();
            Assert.True(planted.Count == 0, $"victim/ holds {string.Join(", ", planted)}; host after: {HostState()}\n" + string.Join("\n---\n", results.Where(r => planted.Any(p => r.Run.Paths.LaunchPlan.Length > 0 && File.ReadAllText(r.Run.Paths.LaunchPlan).Contains(p!, StringComparison.Ordinal))).Select(r => r.ToString() + "\n" + File.ReadAllText(r.Run.Paths.SupervisorLog))));
            Assert.Equal(Sandboxes, results.Count);
            Assert.All(results, r => Assert.True(r.Exit.Outcome is RunOutcome.Exited or RunOutcome.SetupFailed, r.ToString()));
            var refusals = results.Where(r => r.Exit.Outcome == RunOutcome.SetupFailed).GroupBy(r => (r.Exit.Message ?? "").Replace(fx.Root, "", StringComparison.Ordinal) is var m && m.Length > 50 ? m[..50] : m).Select(g => $"{g.Count()}× {g.Key}");
            TestContext.Current.SendDiagnosticMessage($"B6: {results.Count(r => r.Exit.Outcome == RunOutcome.SetupFailed)} of {Sandboxes} refused at setup ({string.Join("; ", refusals)}), {results.Count(r => r.Value("touched") == "0")} wrote into the real cache");
        }
        finally
        {
            CleanVictim();
        }
    }

    /// <summary>The control drops both defences: binds by path string and no <see cref="MountCheck"/>
    /// afterwards. (Pinned descriptors without the check still let the swap through now and then,
    /// about one test in six here: bwrap resolves both ends by path; too rare for a control.)</summary>
    /// <remarks>The swapper leaves the symlink standing ten times as long as the directory, so the attack
    /// wins most rounds by construction rather than by luck (with the 2 ms/2 ms swap of the
    /// hardened test a loaded machine sometimes let 30 weakened sandboxes all miss it); it runs up
    /// to the suite's 200 sandboxes and stops at the first escape.</remarks>
    [Fact(Timeout = 300_000)]
    public async Task B6_negative_control_path_string_binds_let_a_sandbox_bind_victim_during_the_swap()
    {
        try
        {
            var results = await RaceAsync(Sandboxes, W.PathStringBinds | W.NoMountCheck, "b6control", TestContext.Current.CancellationToken, symlinkMs: 20);
            var escaped = Directory.EnumerateFileSystemEntries(fx.Victim).Count();
            Assert.True(escaped > 0, $"no escape in {results.Count} weakened sandboxes\n" + string.Join("\n", results.Select(r => r.Log)));
            TestContext.Current.SendDiagnosticMessage($"B6 control: {escaped} write(s) into victim/ within {results.Count} weakened sandboxes");
        }
        finally
        {
            CleanVictim();
        }
    }

    private string HardLinkToRo => $"ln {fx.ScorePath} {fx.Repo}/s2 2>/dev/null; echo ln2=$?; echo dev=$(ls /dev | tr '\\n' ' ')";

    [Fact(Timeout = 120_000)]
    public async Task B7_negative_control_with_eval_rw_and_a_gpu_leased_the_link_lands_and_dev_grows()
    {
        var spec = fx.Spec() with { Files = fx.Spec().Files.RemoveAll(f => f.Path.EndsWith("/eval", StringComparison.Ordinal)) };
        var s2 = Path.Combine(fx.Repo, "s2");
        try
        {
            var r = await fx.RunAsync(HardLinkToRo, gpus: [2], spec: spec, cancellationToken: TestContext.Current.CancellationToken);
            Assert.True(r.Value("ln2") == "0", r.ToString());
            Assert.True(File.Exists(s2));
            Assert.Contains("nvidia2", r.Value("dev") ?? "", StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(s2);
        }
    }

    /// <summary>The B12 canaries: a 0666 Unix socket in a host directory and an abstract socket,
    /// both counting connections.</summary>
    private sealed class IpcCanary : IDisposable
    {
        private readonly Socket _file = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        private readonly Socket _abstract = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        private int _connections;

        public IpcCanary()
        {
            Directory = "/run/labd-test-" + Guid.NewGuid().ToString("N")[..8];
            System.IO.Directory.CreateDirectory(Directory);
            Interop.Chmod.Set(Directory, 0b111_101_101);
            _file.Bind(new UnixDomainSocketEndPoint(SocketPath));
            Interop.Chmod.Set(SocketPath, 0b110_110_110);
            AbstractName = "labd-test-" + Guid.NewGuid().ToString("N")[..8];
            _abstract.Bind(new UnixDomainSocketEndPoint("\0" + AbstractName));
            foreach (var s in new[] { _file, _abstract })
            {
                s.Listen();
                _ = AcceptAsync(s);
            }
        }

        public string Directory { get; }

        public string SocketPath => Path.Combine(Directory, "fake-docker.sock");

        public string AbstractName { get; }

        public int Connections => Volatile.Read(ref _connections);

        private async Task AcceptAsync(Socket listener)
        {
            try
            {
                while (true)
                {
                    using var client = await listener.AcceptAsync();
                    Interlocked.Increment(ref _connections);
                }
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
            }
        }

        public void Dispose()
        {
            _file.Dispose();
            _abstract.Dispose();
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    private string IpcAttack(IpcCanary canary) =>
        $"{fx.Net} unix docker {canary.SocketPath}; {fx.Net} unix abstract @{canary.AbstractName}; {fx.Net} unix dbus /run/dbus/system_bus_socket; " +
        $"{fx.Net} unix x11 /tmp/.X11-unix/X0; {fx.Net} unix rk {fx.Root}/state/runs/$LAB_RUN_ID/rk/api.sock; " +
        $"echo in_proc_net_unix=$(grep -c labd-test /proc/net/unix)";

    [Fact(Timeout = 120_000)]
    public async Task B12_host_unix_sockets_and_abstract_names_are_unreachable()
    {
        using var canary = new IpcCanary();
        var r = await fx.RunAsync(IpcAttack(canary), cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("docker")?.StartsWith("FileNotFoundError", StringComparison.Ordinal), r.ToString());
        Assert.StartsWith("ConnectionRefusedError", r.Value("abstract"), StringComparison.Ordinal);
        Assert.StartsWith("FileNotFoundError", r.Value("dbus"), StringComparison.Ordinal);
        Assert.StartsWith("FileNotFoundError", r.Value("rk"), StringComparison.Ordinal);
        Assert.Equal("0", r.Value("in_proc_net_unix"));
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.Equal(0, canary.Connections);
    }

    [Fact(Timeout = 120_000)]
    public async Task B12_negative_control_binding_the_socket_directory_lets_the_connect_through()
    {
        using var canary = new IpcCanary();
        var spec = fx.Spec() with { Files = fx.Spec().Files.Insert(0, new FileRule(canary.Directory, AccessMode.ReadWrite, "run: rw", null)) };
        var r = await fx.RunAsync(IpcAttack(canary), spec: spec, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Value("docker") == "ok", r.ToString());
        await HostProcesses.WaitUntilAsync(() => canary.Connections > 0, TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        Assert.Equal(1, canary.Connections);
    }

    private string[] RepoPolicyFiles => [Path.Combine(fx.Repo, ".labd"), Path.Combine(fx.Repo, ".the_lab"), Path.Combine(fx.Repo, "labd.yaml")];

    private string Tamper(int port) =>
        $"cd {fx.Repo}; mkdir -p .labd .the_lab/sandbox; printf 'network: {{ allow: [evil.test] }}\\nfiles:\\n  /: rw\\n' > .labd/policy.yaml; cp .labd/policy.yaml labd.yaml; " +
        "echo '{\"network\":{\"allow\":[\"evil.test\"]},\"files\":{\"/\":\"rw\"}}' > .the_lab/sandbox/config.json; " +
        "mkdir -p /etc/labd/policies 2>/dev/null; echo x > /etc/labd/policies/test.yaml 2>/dev/null; echo admin_write=$?; " +
        $"touch /usr/x 2>/dev/null; echo b1=$?; touch {fx.Repo}/../outside-b16 2>/dev/null; {fx.Net} tcp n1 {EgressHostAddress.Default} {port}";

    [Fact(Timeout = 120_000)]
    public async Task B16_repo_local_policy_files_change_nothing_in_this_run_or_the_next()
    {
        var ct = TestContext.Current.CancellationToken;
        using var canary = new HostCanary(EgressHostAddress.Default, "CANARY");
        try
        {
            foreach (var round in new[] { 1, 2 })
            {
                var r = await fx.RunAsync(Tamper(canary.Port), cancellationToken: ct);
                Assert.True(r.Value("admin_write") is not null and not "0", $"run {round}: {r}");
                Assert.NotEqual("0", r.Value("b1"));
                Assert.Equal("ConnectionRefusedError", r.Value("n1"));
                Assert.Contains("\"test-hash\"", await File.ReadAllTextAsync(r.Run.Paths.LaunchPlan, ct), StringComparison.Ordinal);
            }
            Assert.True(File.Exists(Path.Combine(fx.Repo, ".labd", "policy.yaml")));
            Assert.Equal(0, canary.Connections);
            Assert.False(File.Exists(Path.Combine(fx.Root, "outside-b16")) || File.Exists("/etc/labd/policies/test.yaml"));
        }
        finally
        {
            CleanPolicyFiles();
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task B16_negative_control_the_policy_the_files_ask_for_would_let_both_attacks_through()
    {
        // What labd would run if it honoured the planted files: the parent rw and no egress rules.
        var ct = TestContext.Current.CancellationToken;
        using var canary = new HostCanary(EgressHostAddress.Default, "CANARY");
        var spec = fx.Spec() with { Files = fx.Spec().Files.Add(new FileRule(fx.Root, AccessMode.ReadWrite, "root: rw", null)).Sort((a, b) => string.CompareOrdinal(a.Path, b.Path)) };
        Interop.Chmod.Set(fx.Root, 0b111_111_111);
        try
        {
            var r = await fx.RunAsync(Tamper(canary.Port), W.NoNetworkRules, spec: spec, cancellationToken: ct);
            Assert.True(File.Exists(Path.Combine(fx.Root, "outside-b16")), r.ToString());
            Assert.Equal("ok:CANARY", r.Value("n1"));
        }
        finally
        {
            Interop.Chmod.Set(fx.Root, 0b111_101_101);
            File.Delete(Path.Combine(fx.Root, "outside-b16"));
            CleanPolicyFiles();
        }
    }

    private void CleanPolicyFiles()
    {
        foreach (var path in RepoPolicyFiles)
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
            File.Delete(path);
        }
    }
}
