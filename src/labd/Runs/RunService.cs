using System.Text.Json;
using Labd.Api;
using Labd.Interop;
using Labd.Protocol;
using Labd.SandboxPolicy;
using Labd.Store;

namespace Labd.Runs;

/// <summary>
/// The runs API's model: checks a caller's request, compiles the policy for the caller's
/// directory, records the run, starts it through <see cref="RunRegistry"/>, and records how it
/// ended (also for runs re-adopted after a labd restart; a run is never started twice).
/// </summary>
internal sealed class RunService(
    RunRegistry registry,
    RunStore runs,
    StateStore store,
    IRunPolicies policies,
    IEgressProvider egress,
    UnixAccounts accounts,
    ILogger<RunService> logger)
{
    public const string DefaultPolicy = "default";

    private string? _unavailable = "labd is still starting";

    /// <summary>Prepares the host and re-adopts the runs that survived a restart. Never throws:
    /// a failure leaves runs unavailable with the reason, and the rest of the API up.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        try
        {
            var found = await registry.InitializeAsync(cancellationToken).ConfigureAwait(false);
            var running = await runs.ListRunningAsync(cancellationToken).ConfigureAwait(false);
            foreach (var record in running)
            {
                if (registry.Find(record.Id) is not { } run)
                {
                    var now = DateTimeOffset.UtcNow;
                    await EndAsync(record.Id, new RunExit(RunOutcome.Lost, null, "the run directory is gone", record.CreatedAt, now, false), CancellationToken.None).ConfigureAwait(false);
                    continue;
                }
                if (run.TryGetExit() is null)
                {
                    await ReopenEgressAsync(record, run, cancellationToken).ConfigureAwait(false);
                }
                _ = WatchAsync(run, releaseEgress: true);
            }
            // Every run directory counts (experiments' and agents' runs too), so the live count must as well.
            RunLog.Readopted(logger, found.Count, found.Count(r => r.TryGetExit() is null));
            _unavailable = null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _unavailable = e.Message;
            RunLog.Unavailable(logger, e, e.Message);
        }
    }

    public async Task<RunRecord> StartAsync(Caller caller, RunStartRequest request, CancellationToken cancellationToken)
    {
        if (_unavailable is { } reason)
        {
            throw new LabdException(ErrorCode.SandboxUnavailable, $"sandboxed runs are unavailable: {reason}; run `labctl doctor`");
        }
        if (request.Command is not { Count: > 0 } || string.IsNullOrEmpty(request.Command[0]))
        {
            throw new LabdException(ErrorCode.BadRequest, "command must be a non-empty argv, e.g. {\"command\": [\"make\", \"test\"], \"workingDirectory\": \"/home/me/lab\"}");
        }
        var directory = WorkingDirectory.Check(request.WorkingDirectory, caller.Uid, caller.IsAdmin);
        var spec = Compile(request, directory, caller.Uid);
        var writable = IsWritableTree(spec, directory, caller.Uid);
        var id = Guid.NewGuid().ToString("N")[..12];
        // Leased before anything is recorded: a refusal (policy, or GPUs leased to others) changes nothing.
        var gpus = registry.Gpus.AcquireAny(id, request.Gpus ?? 0, Scheduler.GpuAllowance.Of(spec));
        var record = new RunRecord(id, DateTimeOffset.UtcNow, caller.Uid, caller.KindName, spec.PolicyName, spec.PolicyHash, request.Command, directory, request.Gpus ?? 0, RunRecord.Running, null, null, null, null, null);
        try
        {
            await runs.InsertAsync(record, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            registry.Gpus.Release(id);
            throw;
        }
        Run run;
        try
        {
            run = await registry.StartAsync(
                new RunRequest(spec, request.Command, directory, gpus, new Dictionary<string, string>())
                {
                    RunId = id,
                    CallerEnvironment = request.Environment ?? new Dictionary<string, string>(),
                    WritableTree = writable ? directory : null,
                    WritableTreeOwner = caller.Uid,
                    // A user's own run belongs to no lab: its socket answers who it is, nothing more.
                    ApiCaller = new SandboxApiCaller(CallerKind.Experiment, null, null),
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (LabdException e)
        {
            RunLog.Refused(logger, id, e.Message);
            var now = DateTimeOffset.UtcNow;
            await EndAsync(id, new RunExit(RunOutcome.SetupFailed, null, e.Message, now, now, false), CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        catch (Exception e) when (e is InvalidOperationException or SandboxSetupException or IOException or System.ComponentModel.Win32Exception)
        {
            RunLog.Refused(logger, id, e.Message);
            var now = DateTimeOffset.UtcNow;
            await EndAsync(id, new RunExit(RunOutcome.SetupFailed, null, e.Message, now, now, false), CancellationToken.None).ConfigureAwait(false);
            throw new LabdException(ErrorCode.SandboxUnavailable, $"the sandbox could not start: {e.Message}; run `labctl doctor`", e);
        }
        RunLog.Started(logger, id, caller.Uid, spec.PolicyName, spec.PolicyHash, string.Join(' ', request.Command));
        await store.AppendEventAsync(new Actor(caller.KindName, caller.Uid), "run.start", id,
            JsonSerializer.Serialize(record, ProtocolJsonContext.Default.RunRecord), cancellationToken).ConfigureAwait(false);
        _ = WatchAsync(run, releaseEgress: false);
        return record;
    }

    /// <summary>The run when <paramref name="caller"/> may see it (own runs; admins all), else run-not-found.</summary>
    public async Task<RunRecord> GetAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var record = await runs.FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (record is null || (!caller.IsAdmin && record.CallerUid != caller.Uid))
        {
            throw new LabdException(ErrorCode.RunNotFound, $"no run '{id}' of yours; see `labctl runs ls`");
        }
        return record;
    }

    public Task<IReadOnlyList<RunRecord>> ListAsync(Caller caller, CancellationToken cancellationToken) =>
        runs.ListAsync(caller.IsAdmin ? null : caller.Uid, cancellationToken);

    public Run? Find(string id) => registry.Find(id);

    /// <summary>Blocks until the run has ended and its end is recorded.</summary>
    public async Task<RunRecord> WaitAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var record = await GetAsync(caller, id, cancellationToken).ConfigureAwait(false);
        if (record.Status == RunRecord.Ended)
        {
            return record;
        }
        if (registry.Find(id) is { } run)
        {
            var exit = await run.WaitAsync(cancellationToken).ConfigureAwait(false);
            await EndAsync(id, exit, cancellationToken).ConfigureAwait(false);
        }
        return await GetAsync(caller, id, cancellationToken).ConfigureAwait(false);
    }

    public async Task CancelAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var record = await GetAsync(caller, id, cancellationToken).ConfigureAwait(false);
        if (record.Status == RunRecord.Ended || registry.Find(id) is not { } run)
        {
            throw new LabdException(ErrorCode.Conflict, $"run {id} has already ended ({record.Outcome}); nothing to cancel");
        }
        RunLog.Cancelled(logger, id, caller.Uid);
        await run.CancelAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The caller's directory is the run's writable tree when the caller owns it and the policy
    /// makes it read-write (<c>${WORKTREE}: rw</c>): the target runs as a sandbox user, so the
    /// entries the caller owns are lent to it for the run and handed back when it ends.
    /// </summary>
    private static bool IsWritableTree(SandboxSpec spec, string directory, int callerUid) =>
        FileStatus.Owner(directory) == callerUid
        && spec.Files.FirstOrDefault(f => f.Path == directory) is { Mode: AccessMode.ReadWrite };

    /// <summary>Hands the caller's directory back: what the run's target owns (lent or created) goes to the caller.</summary>
    private void ReturnTree(string id, RunRecord record)
    {
        if (registry.Find(id) is not { } run || !File.Exists(run.Paths.LaunchPlan) || !Directory.Exists(record.WorkingDirectory))
        {
            return;
        }
        try
        {
            var plan = JsonSerializer.Deserialize(File.ReadAllText(run.Paths.LaunchPlan), RunsJsonContext.Default.LaunchPlan);
            if (plan is not null)
            {
                Experiments.TreeOwnership.Return(record.WorkingDirectory, RunRegistry.TargetHostUid(plan.User), record.CallerUid, accounts.PrimaryGroup(record.CallerUid));
            }
        }
        catch (Exception e) when (e is IOException or System.ComponentModel.Win32Exception or UnauthorizedAccessException or JsonException)
        {
            RunLog.TreeNotReturned(logger, id, record.WorkingDirectory, e.Message);
        }
    }

    private SandboxSpec Compile(RunStartRequest request, string directory, int uid)
    {
        var name = request.Policy ?? DefaultPolicy;
        var policy = policies.Find(name)
            ?? throw new LabdException(ErrorCode.PolicyNotFound, $"no policy '{name}'; available: {string.Join(", ", policies.Names)}; pass one with --policy");
        var result = PolicyCompiler.Compile(policy, new PolicyVariables(directory, directory, WorkingDirectory.HomeOf(uid)));
        if (!result.Success)
        {
            throw new LabdException(ErrorCode.PolicyInvalid, $"policy '{name}' does not compile for {directory}: {string.Join("; ", result.Diagnostics.Where(d => d.IsError))}");
        }
        var spec = WithoutSymlinkedSystemDirectories(result.Spec);
        if (RunTimeout.Check(request.TimeoutSeconds, spec.Limits.Timeout, name) is { } timeout)
        {
            spec = spec with { Limits = spec.Limits with { Timeout = timeout } };
        }
        return spec;
    }

    /// <summary>
    /// On merged-/usr systems /bin, /sbin, /lib… are symlinks into /usr. The chain recreates them
    /// as symlinks (<c>--symlink</c>) and refuses to bind any rule path through a symlink, so the
    /// base layout's read-only rule for such a directory is left to the chain. Only base rules
    /// go: a policy's own rule on a symlink is still refused at setup.
    /// </summary>
    internal static SandboxSpec WithoutSymlinkedSystemDirectories(SandboxSpec spec) => spec with
    {
        Files = [.. spec.Files.Where(f => !(f.RuleText == BaseLayout.SystemPath && f.Origin is null && new FileInfo(f.Path).LinkTarget is not null))],
    };

    private async Task ReopenEgressAsync(RunRecord record, Run run, CancellationToken cancellationToken)
    {
        var policy = policies.Find(record.Policy);
        var spec = policy is null ? null : PolicyCompiler.Compile(policy, new PolicyVariables(record.WorkingDirectory, record.WorkingDirectory, WorkingDirectory.HomeOf(record.CallerUid))).Spec;
        // Fail closed when the policy changed or the listeners cannot be bound: the sandbox's DNAT
        // points at listeners nobody opens.
        if (await registry.ReopenEgressAsync(run, spec, cancellationToken).ConfigureAwait(false) is { } reason)
        {
            RunLog.EgressNotReopened(logger, record.Id, reason);
        }
    }

    private async Task WatchAsync(Run run, bool releaseEgress)
    {
        var exit = await run.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        if (releaseEgress)
        {
            await egress.ReleaseAsync(run.Id, CancellationToken.None).ConfigureAwait(false);
        }
        await EndAsync(run.Id, exit, CancellationToken.None).ConfigureAwait(false);
    }

    private async Task EndAsync(string id, RunExit exit, CancellationToken cancellationToken)
    {
        if (await runs.FindAsync(id, cancellationToken).ConfigureAwait(false) is { Status: not RunRecord.Ended } record)
        {
            ReturnTree(id, record);
        }
        if (await runs.MarkEndedAsync(id, exit, cancellationToken).ConfigureAwait(false))
        {
            var outcome = RunStore.OutcomeName(exit.Outcome);
            RunLog.Ended(logger, id, outcome, exit.ExitCode);
            await store.AppendEventAsync(Actor.Daemon, "run.end", id,
                JsonSerializer.Serialize(exit, RunsJsonContext.Default.RunExit), cancellationToken).ConfigureAwait(false);
        }
    }
}
