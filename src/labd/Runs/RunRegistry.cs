using System.Collections.Concurrent;
using System.Text.Json;
using Labd.Api;
using Labd.Interop;
using Labd.Scheduler;

namespace Labd.Runs;

/// <summary>
/// The Runs component's public surface: starts sandboxed runs and re-adopts the ones that
/// survived a labd restart. Each run is owned by its own detached supervisor
/// (<see cref="Supervisor"/>); labd only reads its run directory.
/// </summary>
internal sealed class RunRegistry
{
    private readonly RunsOptions _options;
    private readonly IEgressProvider _egress;
    private readonly SandboxUserPool _pool;
    private readonly GpuLeases _gpus;
    private readonly SandboxSockets? _sockets;
    private readonly ConcurrentDictionary<string, Run> _runs = new(StringComparer.Ordinal);

    public RunRegistry(RunsOptions options, IEgressProvider egress, GpuLeases gpus, SandboxSockets? sockets = null)
    {
        _options = options;
        _egress = egress;
        _sockets = sockets;
        _pool = new SandboxUserPool(options.PoolSize, options.LeaseDirectory, IsRunAlive);
        _gpus = gpus;
        _gpus.TrackEnds(id => Find(id)?.TryGetExit() is not null);
    }

    /// <summary>The GPU leases every run start goes through.</summary>
    public GpuLeases Gpus => _gpus;

    public SandboxUserPool Users => _pool;

    /// <summary>Prepares the host (state layout, sandbox users, egress host address) and re-adopts
    /// the runs found on disk: live ones by their supervisor's lock, ended ones by exit.json.</summary>
    public async Task<IReadOnlyList<Run>> InitializeAsync(CancellationToken cancellationToken)
    {
        Chmod.CreateDirectory(_options.StateDirectory, 0b111_001_001);
        Chmod.CreateDirectory(_options.RunsDirectory, 0b111_001_001);
        Chmod.CreateDirectory(_options.EmptyDirectory, 0b101_101_101);
        if (!File.Exists(_options.EmptyFile))
        {
            File.WriteAllBytes(_options.EmptyFile, []);
            Chmod.Set(_options.EmptyFile, 0b100_100_100);
        }
        await _pool.EnsureAsync(cancellationToken);
        await EgressHostAddress.EnsureAsync(_options.EgressHostAddress, cancellationToken);
        foreach (var dir in Directory.EnumerateDirectories(_options.RunsDirectory))
        {
            var id = Path.GetFileName(dir);
            var run = new Run(id, new RunPaths(dir));
            _runs.TryAdd(id, run);
            if (run.TryGetExit() is null)
            {
                ReopenApiSocket(run);
                RestoreGpuLease(run);
            }
        }
        return [.. _runs.Values];
    }

    public Run? Find(string runId) => _runs.TryGetValue(runId, out var run) ? run : null;

    /// <summary>Every run labd knows of, live or ended.</summary>
    public IReadOnlyList<Run> All => [.. _runs.Values];

    /// <summary>Removes an ended run's directory (by descriptor: the sandbox may have left links in it)
    /// and forgets the run; its records stay in the database.</summary>
    public void Collect(Run run)
    {
        if (run.IsSupervisorAlive())
        {
            throw new InvalidOperationException($"run {run.Id} is still going; only ended runs are collected");
        }
        Experiments.TreeRemoval.Delete(run.Paths.Directory);
        _runs.TryRemove(run.Id, out _);
    }

    /// <summary>How long a run found on disk without a supervisor lock may still be launching.</summary>
    private static readonly TimeSpan LaunchGrace = TimeSpan.FromSeconds(3);

    /// <summary>
    /// After a restart: the run recorded as <paramref name="runId"/> when it really launched, or
    /// null. A run directory that no supervisor ever locked means labd died while launching; a
    /// supervisor spawned at that moment would write its pid at once, so after a short grace the
    /// directory is removed (which frees its sandbox-user lease) and null returned.
    /// </summary>
    public async Task<Run?> FindLaunchedAsync(string runId, CancellationToken cancellationToken)
    {
        var run = Find(runId);
        if (run is null)
        {
            return null;
        }
        bool Launched() => File.Exists(run.Paths.SupervisorPid) || File.Exists(run.Paths.Exit);
        var deadline = DateTimeOffset.UtcNow + LaunchGrace;
        while (!Launched() && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
        if (Launched())
        {
            return run;
        }
        Experiments.TreeRemoval.Delete(run.Paths.Directory);
        return null;
    }

    /// <summary>
    /// Starts a run and returns once its supervisor is up. The sandbox itself may still be
    /// setting up; a setup refusal (e.g. a symlink at a policy path) shows as
    /// <see cref="RunOutcome.SetupFailed"/> from <see cref="Run.WaitAsync"/>. The run's GPUs are
    /// leased here, against its policy, for every kind of run (<see cref="GpuLeases"/>); a refused
    /// lease throws a <see cref="LabdException"/> before anything is made.
    /// </summary>
    public async Task<Run> StartAsync(RunRequest request, CancellationToken cancellationToken)
    {
        var id = request.RunId ?? Guid.NewGuid().ToString("N")[..12];
        _gpus.Acquire(id, request.Gpus, GpuAllowance.Of(request.Spec));
        var paths = new RunPaths(Path.Combine(_options.RunsDirectory, id));
        (SandboxUser User, string LeaseFile)? pooled;
        try
        {
            Directory.CreateDirectory(_options.RunsDirectory);
            Chmod.CreateDirectory(paths.Directory, 0b111_001_001);
            pooled = await _pool.TryLeaseAsync(paths.Directory, cancellationToken, request.Weakening.HasFlag(SandboxWeakening.RealUidOnly));
        }
        catch
        {
            _gpus.Release(id);
            throw;
        }
        if (pooled is null)
        {
            _gpus.Release(id);
            throw new SandboxPoolExhaustedException($"all {_pool.Size} sandbox users are in use; raise sandbox.poolSize in labd.yaml or wait for a run to end");
        }
        var (user, leaseFile) = pooled.Value;
        try
        {
            var (nodes, cudaVisible) = _gpus.Inventory.ForLease(request.Gpus);
            var binding = await _egress.BindAsync(id, request.Spec.Egress, paths.Directory, user.Uid, cancellationToken);
            await File.WriteAllTextAsync(paths.Egress, JsonSerializer.Serialize(PersistedEgressBinding.From(binding), RunsJsonContext.Default.PersistedEgressBinding), cancellationToken);
            Chmod.CreateDirectory(paths.Lab, 0b111_101_101);
            Chmod.CreateDirectory(paths.RootlesskitState, 0b111_000_000);
            Chown(paths.RootlesskitState, user);
            if (request.ApiCaller is { } apiCaller)
            {
                await File.WriteAllTextAsync(paths.ApiCaller, JsonSerializer.Serialize(apiCaller, RunsJsonContext.Default.SandboxApiCaller), cancellationToken);
                OpenApiSocket(id, paths, apiCaller, user);
            }
            if (request.WritableTree is { } tree)
            {
                GiveToTarget(tree, request.WritableTreeOwner, paths, user);
            }
            WriteLabFiles(paths, request.LabFiles, user);

            var plan = new LaunchPlan(
                id,
                request.Spec.PolicyHash,
                user,
                request.Command,
                request.WorkingDirectory,
                [.. request.Spec.Files.Select(f => new PlannedFile(f.Path, f.Mode))],
                nodes,
                BuildEnvironment(request, cudaVisible, id, out var secrets),
                secrets,
                NetworkRules.IPv4(binding, request.Spec.Egress.Ports),
                NetworkRules.IPv6(),
                (long?)request.Spec.Limits.Timeout?.TotalMilliseconds,
                (long)_options.TerminationGrace.TotalMilliseconds,
                request.Spec.Limits.LogBytes ?? _options.DefaultLogBytes,
                request.Spec.Limits.Pids,
                _options.TmpBytes,
                paths.Lab,
                _options.EmptyDirectory,
                _options.EmptyFile,
                leaseFile,
                request.Weakening)
            { MemoryBytes = request.Spec.Limits.MemoryBytes, StandardInput = request.StandardInput, MetricsBytes = request.Spec.Limits.MetricsBytes ?? RunsOptions.DefaultMetricsBytes, Gpus = [.. request.Gpus.Distinct().Order()] };
            await File.WriteAllTextAsync(paths.LaunchPlan, JsonSerializer.Serialize(plan, RunsJsonContext.Default.LaunchPlan), cancellationToken);
            Chmod.Set(paths.LaunchPlan, 0b110_000_000);

            var supervisor = SupervisorLauncher.Launch(_options, plan, paths, request.Spec.Limits);
            var run = new Run(id, paths);
            _runs[id] = run;
            while (!File.Exists(paths.SupervisorPid) && !File.Exists(paths.Exit))
            {
                if (supervisor.HasExited && !File.Exists(paths.SupervisorPid) && !SupervisorLauncher.UnderSystemd)
                {
                    throw new InvalidOperationException($"the supervisor exited ({supervisor.ExitCode}) before it started; see {paths.SupervisorLog}");
                }
                await Task.Delay(5, cancellationToken);
            }
            _ = ReleaseEgressWhenDoneAsync(run);
            return run;
        }
        catch
        {
            await _egress.ReleaseAsync(id, CancellationToken.None);
            if (!File.Exists(paths.SupervisorPid))
            {
                File.Delete(leaseFile);
                _gpus.Release(id);
            }
            throw;
        }
    }

    private async Task ReleaseEgressWhenDoneAsync(Run run)
    {
        await run.WaitAsync(CancellationToken.None);
        _gpus.Release(run.Id);
        _sockets?.Close(run.Id);
        await _egress.ReleaseAsync(run.Id, CancellationToken.None);
    }

    /// <summary>After a labd restart: a live run keeps the GPUs its launch plan names, until it ends.</summary>
    private void RestoreGpuLease(Run run)
    {
        try
        {
            if (File.Exists(run.Paths.LaunchPlan)
                && JsonSerializer.Deserialize(File.ReadAllText(run.Paths.LaunchPlan), RunsJsonContext.Default.LaunchPlan) is { Gpus.Count: > 0 } plan)
            {
                _gpus.Restore(run.Id, plan.Gpus);
                _ = ReleaseGpusWhenDoneAsync(run);
            }
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            // An unreadable plan is a run that never launched; the supervisor's lock decides the rest.
        }
    }

    private async Task ReleaseGpusWhenDoneAsync(Run run)
    {
        await run.WaitAsync(CancellationToken.None);
        _gpus.Release(run.Id);
    }

    private async Task CloseApiSocketWhenDoneAsync(Run run)
    {
        await run.WaitAsync(CancellationToken.None);
        _sockets?.Close(run.Id);
    }

    /// <summary>The sandbox's own API socket, <c>/run/lab/api.sock</c> inside: served as the run's
    /// caller, to the sandbox's host uids only (the pool uid and its subordinate range).</summary>
    private void OpenApiSocket(string id, RunPaths paths, SandboxApiCaller apiCaller, SandboxUser user)
    {
        if (_sockets is null)
        {
            return;
        }
        var caller = new Caller(apiCaller.Kind, user.Uid, user.Gid, 0, user.Name, new CallerScope(apiCaller.LabId ?? "", apiCaller.AgentId, id) { Role = apiCaller.Role });
        _sockets.Open(id, paths.ApiSocket, caller, uid => uid == user.Uid || (uid >= user.SubIdStart && uid < user.SubIdStart + user.SubIdCount));
    }

    /// <summary>After a labd restart: a live run's socket file is stale (its listener died with
    /// the old labd); bind it again, same path, same caller.</summary>
    private void ReopenApiSocket(Run run)
    {
        if (_sockets is null || !File.Exists(run.Paths.ApiCaller) || !File.Exists(run.Paths.LaunchPlan))
        {
            return;
        }
        var apiCaller = JsonSerializer.Deserialize(File.ReadAllText(run.Paths.ApiCaller), RunsJsonContext.Default.SandboxApiCaller);
        var plan = JsonSerializer.Deserialize(File.ReadAllText(run.Paths.LaunchPlan), RunsJsonContext.Default.LaunchPlan);
        if (apiCaller is not null && plan is not null)
        {
            OpenApiSocket(run.Id, run.Paths, apiCaller, plan.User);
            _ = CloseApiSocketWhenDoneAsync(run);
        }
    }

    /// <summary>Whether the run holding a lease is alive. The holder is the run's directory, which
    /// may belong to another labd on this host (leases are host-wide).</summary>
    private bool IsRunAlive(string holder)
    {
        var directory = Path.IsPathRooted(holder) ? holder : Path.Combine(_options.RunsDirectory, holder);
        var id = Path.GetFileName(directory);
        var run = Find(id) is { } own && own.Paths.Directory == directory ? own : new Run(id, new RunPaths(directory));
        // A run whose supervisor has not locked yet is still starting: alive.
        return !File.Exists(run.Paths.SupervisorPid) && !File.Exists(run.Paths.Exit) && Directory.Exists(run.Paths.Directory)
            || run.IsSupervisorAlive();
    }

    private static Dictionary<string, string> BuildEnvironment(RunRequest request, string? cudaVisible, string runId, out Dictionary<string, string> secrets)
    {
        secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = "/usr/local/bin:/usr/bin:/bin",
            ["HOME"] = "/tmp",
            ["LANG"] = "C.UTF-8",
            ["LAB_API_SOCKET"] = "/run/lab/api.sock",
            ["LAB_RUN_ID"] = runId,
        };
        if (cudaVisible is not null)
        {
            env["CUDA_VISIBLE_DEVICES"] = cudaVisible;
        }
        foreach (var entry in request.Spec.Env)
        {
            if (entry.SecretFile is not null)
            {
                secrets[entry.Name] = entry.SecretFile;
            }
            else if (entry.Passthrough)
            {
                if (request.CallerEnvironment.TryGetValue(entry.Name, out var value))
                {
                    env[entry.Name] = value;
                }
            }
            else if (entry.Value is not null)
            {
                env[entry.Name] = entry.Value;
            }
        }
        foreach (var (name, value) in request.ExtraEnvironment)
        {
            env[name] = value;
        }
        foreach (var (name, file) in request.ExtraSecretFiles)
        {
            env.Remove(name);
            secrets[name] = file;
        }
        return env;
    }

    /// <summary>
    /// The host uid of the sandboxed target. bwrap runs as root of rootlesskit's user namespace
    /// (which is the sandbox user on the host) and, unprivileged, can map only its own id: its
    /// <c>--uid 1000</c> is therefore the sandbox user itself on the host (not a subordinate id;
    /// checked by the experiments integration tests, which write the tree from inside).
    /// </summary>
    public static int TargetHostUid(SandboxUser user) => user.Uid;

    /// <summary>The tree to the target (no link followed), and the target-writable metrics and
    /// progress files in the root-owned 0755 lab directory (the target cannot replace them).</summary>
    private static void GiveToTarget(string tree, int? owner, RunPaths paths, SandboxUser user)
    {
        var target = TargetHostUid(user);
        if (owner is { } uid)
        {
            Experiments.TreeOwnership.Return(tree, uid, target, user.Gid);
        }
        else
        {
            Experiments.TreeOwnership.Give(tree, target, user.Gid);
        }
        foreach (var file in new[] { paths.Metrics, paths.Progress })
        {
            File.WriteAllBytes(file, []);
            Interop.Chown.Set(file, target, user.Gid);
            Chmod.Set(file, 0b110_100_100);
        }
    }

    /// <summary>Reserved names of the lab directory (the socket, the experiment files) are refused.</summary>
    /// <summary>Lab files are root's, readable by the sandbox's gid only (0640): an agent's prompt is
    /// its lab's business, not every local user's (issue 13).</summary>
    private static void WriteLabFiles(RunPaths paths, IReadOnlyDictionary<string, string> files, SandboxUser user)
    {
        foreach (var (name, content) in files)
        {
            if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name is "." or ".." or "api.sock" or RunPaths.MetricsFileName or RunPaths.ProgressFileName)
            {
                throw new InvalidOperationException($"'{name}' is not a valid lab file name");
            }
            var path = Path.Combine(paths.Lab, name);
            using (var file = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
            {
                file.Write(System.Text.Encoding.UTF8.GetBytes(content));
            }
            Interop.Chown.Set(path, 0, user.Gid);
            Chmod.Set(path, 0b110_100_000);
        }
    }

    /// <summary>
    /// A re-adopted live run gets its egress listeners back on the spec it was launched with: when
    /// <paramref name="spec"/> is null or its hash differs from launch.json's (the policy changed
    /// since), nothing is opened and the run's network fails closed. Returns why nothing was
    /// re-opened, or null when it was.
    /// </summary>
    public async Task<string?> ReopenEgressAsync(Run run, SandboxPolicy.SandboxSpec? spec, CancellationToken cancellationToken)
    {
        LaunchPlan? plan = null;
        try
        {
            plan = JsonSerializer.Deserialize(await File.ReadAllTextAsync(run.Paths.LaunchPlan, cancellationToken), RunsJsonContext.Default.LaunchPlan);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
        }
        if (plan is null)
        {
            return "launch.json is unreadable";
        }
        if (spec is null || spec.PolicyHash != plan.PolicyHash)
        {
            return "the policy changed or is gone since the run started";
        }
        try
        {
            await _egress.BindAsync(run.Id, spec.Egress, run.Paths.Directory, plan.User.Uid, cancellationToken);
            return null;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            // Fail closed for this run rather than keep labd from starting.
            return e.Message;
        }
    }

    /// <summary>The launch plan of a run (its sandbox user), or null when unreadable.</summary>
    internal static LaunchPlan? PlanOf(Run run)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(run.Paths.LaunchPlan), RunsJsonContext.Default.LaunchPlan);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void Chown(string path, SandboxUser user) => Interop.Chown.Set(path, user.Uid, user.Gid);
}

/// <summary>Every sandbox user is leased: a transient refusal (a run ending frees one).</summary>
internal sealed class SandboxPoolExhaustedException(string message) : InvalidOperationException(message);
