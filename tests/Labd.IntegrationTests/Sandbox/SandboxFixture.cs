using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using CliWrap;
using CliWrap.Buffered;
using Labd.Interop;
using Labd.Runs;
using Labd.SandboxPolicy;
using Labd.SandboxPolicy.Config;
using Labd.Scheduler;
using Microsoft.Extensions.Logging.Abstractions;

namespace Labd.IntegrationTests.Sandbox;

/// <summary>
/// Host set-up for the sandbox tests (root only): the labd-sbx-* user pool, /dev/net/tun 0666,
/// a test GPU directory with fake device nodes, the escape-suite workspace
/// (<c>repo/eval</c> ro, <c>repo/secrets</c> hidden, <c>repo/cache</c> rw, a sibling
/// <c>victim/</c>), the compiled probe program, and a <see cref="RunRegistry"/> over a private
/// state directory. Everything lives under /tmp/labdt-sbx-*.
/// </summary>
public sealed class SandboxFixture : IAsyncLifetime
{
    public static bool IsRoot => Environment.UserName == "root";

    public string Root { get; } = Path.Combine("/tmp", "labdt-sbx-" + Guid.NewGuid().ToString("N")[..8]);

    public string Repo => Path.Combine(Root, "repo");

    public string Victim => Path.Combine(Root, "victim");

    public string Bin => Path.Combine(Root, "bin");

    public string Probe => Path.Combine(Bin, "probe");

    /// <summary>Shell prefix for network probes: <c>{Net} tcp NAME HOST PORT</c>.</summary>
    public string Net => "/usr/bin/python3 " + Path.Combine(Bin, "net.py");

    public string GpuDirectory => Path.Combine(Root, "gpu");

    public string ScorePath => Path.Combine(Repo, "eval", "golden", "score.py");

    internal TestEgressProvider Egress { get; } = new();

    internal RunRegistry Registry { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        if (!IsRoot)
        {
            return;
        }
        Directory.CreateDirectory(Root);
        Chmod.Set(Root, 0b111_101_101);
        Chmod.Set("/dev/net/tun", 0b110_110_110);

        Directory.CreateDirectory(Bin);
        await Cli.Wrap("gcc").WithArguments(["-O1", "-o", Probe, ProbeSource("probe.c")]).ExecuteBufferedAsync();
        File.Copy(ProbeSource("net.py"), Path.Combine(Bin, "net.py"));
        File.Copy(ProbeSource("exewatch.py"), Path.Combine(Bin, "exewatch.py"));

        Directory.CreateDirectory(GpuDirectory);
        for (var i = 0; i < 4; i++)
        {
            await Mknod(Path.Combine(GpuDirectory, $"nvidia{i}"), 195, i);
        }
        await Mknod(Path.Combine(GpuDirectory, "nvidiactl"), 195, 255);

        foreach (var dir in new[] { Repo, Path.Combine(Repo, "cache"), Victim })
        {
            Directory.CreateDirectory(dir);
            Chmod.Set(dir, 0b111_111_111);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(ScorePath)!);
        await File.WriteAllTextAsync(ScorePath, "print('score')\n");
        // World-writable on the host, so that only the sandbox's mounts protect it: a test that
        // passes proves the mount, not file permissions.
        Chmod.Set(ScorePath, 0b110_110_110);
        Chmod.Set(Path.GetDirectoryName(ScorePath)!, 0b111_111_111);
        Chmod.Set(Path.Combine(Repo, "eval"), 0b111_111_111);
        Directory.CreateDirectory(Path.Combine(Repo, "secrets"));
        await File.WriteAllTextAsync(Path.Combine(Repo, "secrets", "key"), "TOP-SECRET-KEY\n");
        Chmod.Set(Path.Combine(Repo, "secrets"), 0b111_111_111);
        Chmod.Set(Path.Combine(Repo, "secrets", "key"), 0b110_110_110);

        var labdDll = Path.Combine(AppContext.BaseDirectory, "labd.dll");
        Registry = new RunRegistry(
            new RunsOptions
            {
                StateDirectory = Path.Combine(Root, "state"),
                SupervisorCommand = ["/usr/bin/dotnet", labdDll],
                PoolSize = 4,
                TerminationGrace = TimeSpan.FromSeconds(2),
            },
            Egress,
            Leases());
        await Registry.InitializeAsync(CancellationToken.None);
    }

    /// <summary>A lease table over this fixture's fake GPUs, as labd makes one from labd.yaml's <c>gpus.deviceDir</c>.</summary>
    internal GpuLeases Leases() =>
        new(new GpuInventory(new GpusConfig([], GpuDirectory)), new ExternalGpus(NullLogger<ExternalGpus>.Instance));

    /// <summary>The escape suite's test policy, compiled: repo rw, eval ro, secrets hidden, cache rw.</summary>
    internal SandboxSpec Spec(int[]? ports = null, TimeSpan? timeout = null, long? logBytes = null, int? pids = null, long? memoryBytes = null) => new(
        "test",
        "test-hash",
        [
            new FileRule(Bin, AccessMode.ReadOnly, $"{Bin}: ro", null),
            new FileRule(Repo, AccessMode.ReadWrite, $"{Repo}: rw", null),
            new FileRule(Path.Combine(Repo, "cache"), AccessMode.ReadWrite, "cache: rw", null),
            new FileRule(Path.Combine(Repo, "eval"), AccessMode.ReadOnly, "eval: ro", null),
            new FileRule(Path.Combine(Repo, "secrets"), AccessMode.Hidden, "secrets: hidden", null),
        ],
        new TestEgressMatcher(ports ?? [80, 443]),
        4,
        new SandboxLimits(memoryBytes, null, pids ?? 1024, timeout ?? TimeSpan.FromMinutes(2), logBytes),
        ImmutableArray<EnvEntry>.Empty);

    /// <summary>Runs <paramref name="script"/> with /bin/sh in a fresh sandbox and returns its exit and log.</summary>
    internal async Task<SandboxResult> RunAsync(
        string script,
        SandboxWeakening weakening = SandboxWeakening.None,
        IReadOnlyList<int>? gpus = null,
        SandboxSpec? spec = null,
        string? runId = null,
        CancellationToken cancellationToken = default)
    {
        var run = await StartAsync(script, weakening, gpus, spec, runId, cancellationToken);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(90));
        RunExit exit;
        try
        {
            exit = await run.WaitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            await run.CancelAsync(CancellationToken.None);
            throw;
        }
        return new SandboxResult(run, exit, File.Exists(run.LogPath) ? await File.ReadAllTextAsync(run.LogPath, cts.Token) : "");
    }

    internal Task<Run> StartAsync(string script, SandboxWeakening weakening = SandboxWeakening.None, IReadOnlyList<int>? gpus = null, SandboxSpec? spec = null, string? runId = null, CancellationToken cancellationToken = default)
    {
        Require();
        var request = new RunRequest(spec ?? Spec(), ["/bin/sh", "-c", script], Repo, gpus ?? [], new Dictionary<string, string>())
        {
            Weakening = weakening,
            RunId = runId,
        };
        return Registry.StartAsync(request, cancellationToken);
    }

    public static void Require()
    {
        if (!IsRoot)
        {
            Assert.Skip("SKIPPED LOUDLY: the sandbox integration tests need root (namespaces, setuid, nsenter).");
        }
    }

    private static async Task Mknod(string path, int major, int minor)
    {
        if (!File.Exists(path))
        {
            await Cli.Wrap("mknod").WithArguments([path, "c", major.ToString(System.Globalization.CultureInfo.InvariantCulture), minor.ToString(System.Globalization.CultureInfo.InvariantCulture)]).ExecuteAsync();
        }
    }

    private static string ProbeSource(string name, [CallerFilePath] string here = "") =>
        Path.Combine(Path.GetDirectoryName(here)!, "probes", name);

    public async ValueTask DisposeAsync()
    {
        if (!IsRoot || !Directory.Exists(Root))
        {
            return;
        }
        // Supervisors finish (uid sweep, lease release) just after exit.json appears.
        var runs = await Registry.InitializeAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (runs.Any(r => r.IsSupervisorAlive()) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        if (Environment.GetEnvironmentVariable("LABDT_KEEP") is null)
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
