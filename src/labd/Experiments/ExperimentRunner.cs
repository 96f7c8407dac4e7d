using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Labd.Api;
using Labd.Git;
using Labd.Protocol;
using Labd.Runs;
using Labd.SandboxPolicy;
using Labd.Scheduler;
using LabRow = Labd.Tracker.LabRow;

namespace Labd.Experiments;

/// <summary>
/// Runs queued experiments: a scheduling pass on every submit, end and periodic tick
/// (<see cref="SchedulerCore"/> decides), each start recorded (run id, GPUs, running) before
/// the sandbox is launched, each end harvested and recorded exactly once. The database is the
/// truth: after a restart, running experiments whose run exists are re-adopted and those whose
/// run never launched are queued again.
/// </summary>
internal sealed class ExperimentRunner(
    ExperimentStore experiments,
    RunRegistry registry,
    IRunPolicies policies,
    IEgressProvider egress,
    RunsOptions options,
    RunStore runs,
    UnixAccounts accounts,
    ILogger<ExperimentRunner> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(2);

    private readonly SemaphoreSlim _wake = new(0);
    private readonly SemaphoreSlim _pass = new(1, 1);
    private readonly ConcurrentDictionary<long, byte> _watched = new();
    private readonly ConcurrentDictionary<long, byte> _cancelRequested = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    public string LabsDirectory => Path.Combine(options.StateDirectory, "labs");

    /// <summary>The tree an experiment runs in: <c>&lt;stateDir&gt;/labs/&lt;lab&gt;/experiments/&lt;id&gt;/tree</c>.</summary>
    public string TreeOf(string lab, long id) =>
        Path.Combine(LabsDirectory, lab, "experiments", id.ToString(CultureInfo.InvariantCulture), "tree");

    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await CloseLabDirectoriesAsync(cancellationToken).ConfigureAwait(false);
        var adopted = 0;
        foreach (var experiment in await experiments.ActiveAsync(cancellationToken).ConfigureAwait(false))
        {
            if (experiment.Status == ExperimentRecord.Running && await ReconcileAsync(experiment, cancellationToken).ConfigureAwait(false))
            {
                adopted++;
            }
        }
        ExperimentLog.Readopted(logger, adopted);
        _loop = LoopAsync(_stopping.Token);
    }

    /// <summary>Lab directories made before they were owner-only (0711) get their mode and ACL now,
    /// not at the lab's next experiment or agent (<see cref="LabDirectory"/>).</summary>
    private async Task CloseLabDirectoriesAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(LabsDirectory))
        {
            return;
        }
        foreach (var directory in Directory.EnumerateDirectories(LabsDirectory))
        {
            if (await experiments.FindLabAsync(Path.GetFileName(directory), cancellationToken).ConfigureAwait(false) is { } lab)
            {
                LabDirectory.Prepare(options.StateDirectory, lab.Id, lab.OwnerUid, out var ownerOnly);
                if (!ownerOnly)
                {
                    ExperimentLog.LabDirectoryOpen(logger, LabsDirectory);
                    return;
                }
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        _wake.Dispose();
        _pass.Dispose();
        _stopping.Dispose();
    }

    /// <summary>Cancels a running experiment: its run gets SIGTERM, grace, SIGKILL; the end records it cancelled.</summary>
    public async Task CancelRunningAsync(ExperimentRecord experiment, CancellationToken cancellationToken)
    {
        _cancelRequested[experiment.Id] = 0;
        if (experiment.RunId is { } runId && registry.Find(runId) is { } run)
        {
            await run.CancelAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Each GPU's state from the one lease table (<see cref="GpuLeases"/>): leased to an experiment
    /// (which, in which lab, whose) or to a run (<c>labctl run</c>: its id and user), free, or busy
    /// outside labd. A lease <paramref name="caller"/> may not see (another user's lab or run)
    /// shows as leased, without whose.
    /// </summary>
    public async Task<IReadOnlyList<GpuState>> GpusAsync(Caller caller, CancellationToken cancellationToken)
    {
        var holders = registry.Gpus.Holders();
        var running = (await experiments.ActiveAsync(cancellationToken).ConfigureAwait(false)).Where(e => e.Status == ExperimentRecord.Running).ToList();
        var labs = await experiments.LabsAsync(running.Select(e => e.Lab), cancellationToken).ConfigureAwait(false);
        var busy = registry.Gpus.ExternallyBusy();
        var result = new List<GpuState>();
        foreach (var index in Inventory())
        {
            var runId = holders.GetValueOrDefault(index);
            if (running.FirstOrDefault(e => (runId is not null && e.RunId == runId) || e.GpuIds?.Contains(index) == true) is { } holder)
            {
                if (!labs.TryGetValue(holder.Lab, out var lab) || !Tracker.LabAccess.MaySee(caller, lab.Id, lab.OwnerUid))
                {
                    result.Add(new GpuState(index, "leased", null, null, null, null));
                    continue;
                }
                result.Add(new GpuState(index, "leased", holder.Id, holder.Label, holder.Lab, UserName(lab.OwnerUid)) { Run = holder.RunId });
            }
            else if (runId is not null)
            {
                var run = await runs.FindAsync(runId, cancellationToken).ConfigureAwait(false);
                var mine = run is not null && (caller.IsAdmin || (caller.Kind is CallerKind.User && run.CallerUid == caller.Uid));
                result.Add(mine ? new GpuState(index, "leased", null, null, null, UserName(run!.CallerUid)) { Run = runId } : new GpuState(index, "leased", null, null, null, null));
            }
            else
            {
                result.Add(new GpuState(index, busy.Contains(index) ? "busy" : "free", null, null, null, null));
            }
        }
        return result;
    }

    /// <summary>How many GPUs this host has (present device nodes), leased or not.</summary>
    public int HostGpuCount() => Inventory().Count;

    private IReadOnlyList<int> Inventory() => registry.Gpus.Inventory.Present();

    private string UserName(int uid) => accounts.UserName(uid) ?? uid.ToString(CultureInfo.InvariantCulture);

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await PassAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                ExperimentLog.PassFailed(logger, e, e.Message);
            }
            try
            {
                await _wake.WaitAsync(Tick, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task PassAsync(CancellationToken cancellationToken)
    {
        await _pass.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var active = await experiments.ActiveAsync(cancellationToken).ConfigureAwait(false);
            var queued = active.Where(e => e.Status == ExperimentRecord.Queued).ToList();
            if (queued.Count == 0)
            {
                return;
            }
            var running = active.Where(e => e.Status == ExperimentRecord.Running).ToList();
            var labs = await experiments.LabsAsync(active.Select(e => e.Lab), cancellationToken).ConfigureAwait(false);
            var caps = labs.Values.ToDictionary(l => l.Id, l => CapOf(l), StringComparer.Ordinal);
            var experimentGpus = running.SelectMany(e => e.GpuIds ?? []).ToHashSet();
            var state = new SchedulerState(
                Inventory(),
                registry.Gpus.ExternallyBusy(),
                [.. running.Select(e => new RunningJob(e.Id, e.Lab, e.Submitter, e.GpuIds ?? []))],
                [.. queued.Where(e => labs.ContainsKey(e.Lab)).Select(e => new QueuedJob(e.Id, e.Lab, e.Submitter, e.Gpus, e.Priority))],
                caps,
                options.PoolSize)
            {
                LabDevices = labs.Values
                    .Select(l => (l.Id, Devices: policies.Find(l.Policy)?.GpuDevices ?? []))
                    .Where(l => !l.Devices.IsEmpty)
                    .ToDictionary(l => l.Id, l => (IReadOnlySet<int>)l.Devices.ToHashSet(), StringComparer.Ordinal),
                LeasedElsewhere = registry.Gpus.Holders().Keys.Where(g => !experimentGpus.Contains(g)).ToHashSet(),
            };
            foreach (var decision in SchedulerCore.Decide(state))
            {
                var runId = Guid.NewGuid().ToString("N")[..12];
                var queuedOne = queued.First(e => e.Id == decision.Id);
                if (!TryLease(runId, decision, labs[queuedOne.Lab]))
                {
                    continue;
                }
                if (!await experiments.MarkStartedAsync(decision.Id, runId, decision.GpuIds, cancellationToken).ConfigureAwait(false))
                {
                    registry.Gpus.Release(runId);
                    continue;
                }
                var experiment = (await experiments.GetAsync(decision.Id, cancellationToken).ConfigureAwait(false))!;
                ExperimentLog.Starting(logger, experiment.Label, experiment.Id, runId, string.Join(',', decision.GpuIds));
                _ = LaunchAsync(experiment, labs[experiment.Lab]);
            }
        }
        finally
        {
            _pass.Release();
        }
    }

    /// <summary>
    /// The scheduler's GPUs are leased at its decision, in the one lease table, so nothing takes
    /// them between the decision and the launch (which confirms the lease under the compiled
    /// policy). A refusal (a <c>labctl run</c> took one since the pass began) leaves the
    /// experiment queued for the next pass.
    /// </summary>
    private bool TryLease(string runId, StartDecision decision, LabRow lab)
    {
        if (decision.GpuIds.Count == 0)
        {
            return true;
        }
        if (policies.Find(lab.Policy) is not { } policy)
        {
            return false;
        }
        try
        {
            registry.Gpus.Acquire(runId, decision.GpuIds, GpuAllowance.Of(policy));
            return true;
        }
        catch (LabdException e)
        {
            ExperimentLog.LeaseRefused(logger, decision.Id, e.Message);
            return false;
        }
    }

    /// <summary>A lab's GPU cap is its policy's <c>gpus:</c> setting; a lab whose policy is not loaded gets none.</summary>
    private int CapOf(LabRow lab) => policies.Find(lab.Policy)?.MaxGpus ?? 0;

    private async Task LaunchAsync(ExperimentRecord experiment, LabRow lab)
    {
        Run run;
        try
        {
            var tree = TreeOf(lab.Id, experiment.Id);
            TreeOwnership.PrepareParents(LabDirectory.Prepare(options.StateDirectory, lab.Id, lab.OwnerUid), "experiments", experiment.Id.ToString(CultureInfo.InvariantCulture));
            TreeRemoval.Delete(tree);
            using (var repository = LabRepository.Open(lab.Path, lab.OwnerUid))
            {
                repository.Materialize(experiment.Commit, tree);
            }
            var spec = Compile(lab, tree, experiment.TimeoutSeconds);
            var environment = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["LAB_EXPERIMENT"] = experiment.Label,
                ["LAB_EXPERIMENT_ID"] = experiment.Id.ToString(CultureInfo.InvariantCulture),
                ["LAB_IDEA"] = experiment.Idea.ToString(CultureInfo.InvariantCulture),
                ["LAB_COMMIT"] = experiment.Commit,
                ["LAB_METRICS"] = "/run/lab/" + RunPaths.MetricsFileName,
                ["LAB_PROGRESS"] = "/run/lab/" + RunPaths.ProgressFileName,
            };
            run = await registry.StartAsync(
                new RunRequest(spec, experiment.Command, tree, experiment.GpuIds ?? [], environment)
                {
                    RunId = experiment.RunId,
                    WritableTree = tree,
                    // Its own /run/lab/api.sock: an experiment of this lab, which sees who it is.
                    ApiCaller = new SandboxApiCaller(Api.CallerKind.Experiment, experiment.Lab, null),
                },
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            await RecordEndAsync(experiment, new ExperimentEnd(ExperimentRecord.Failed, "the experiment could not start: " + e.Message, null, null)).ConfigureAwait(false);
            return;
        }
        if (_cancelRequested.ContainsKey(experiment.Id))
        {
            await run.CancelAsync(CancellationToken.None).ConfigureAwait(false);
        }
        await WatchAsync(experiment, run).ConfigureAwait(false);
    }

    private SandboxSpec Compile(LabRow lab, string tree, int? timeoutSeconds)
    {
        var policy = policies.Find(lab.Policy)
            ?? throw new LabdException(ErrorCode.PolicyNotFound, $"lab {lab.Id}'s policy '{lab.Policy}' is not loaded; available: {string.Join(", ", policies.Names)}");
        var result = PolicyCompiler.Compile(policy, new PolicyVariables(lab.Path, tree, WorkingDirectory.HomeOf(lab.OwnerUid)));
        if (!result.Success)
        {
            throw new LabdException(ErrorCode.PolicyInvalid, $"policy '{lab.Policy}' does not compile for lab {lab.Id}: {string.Join("; ", result.Diagnostics.Where(d => d.IsError))}");
        }
        var spec = RunService.WithoutSymlinkedSystemDirectories(result.Spec);
        if (timeoutSeconds is { } seconds && (spec.Limits.Timeout is not { } limit || TimeSpan.FromSeconds(seconds) < limit))
        {
            spec = spec with { Limits = spec.Limits with { Timeout = TimeSpan.FromSeconds(seconds) } };
        }
        return spec;
    }

    /// <summary>Re-adopts a running experiment after a restart; false when it was queued again instead.</summary>
    private async Task<bool> ReconcileAsync(ExperimentRecord experiment, CancellationToken cancellationToken)
    {
        if (experiment.RunId is not { } runId)
        {
            return false;
        }
        var run = await registry.FindLaunchedAsync(runId, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            if (await experiments.RequeueAsync(experiment.Id, runId, cancellationToken).ConfigureAwait(false))
            {
                ExperimentLog.Requeued(logger, experiment.Label, experiment.Id, runId);
            }
            return false;
        }
        if (run.TryGetExit() is null)
        {
            await ReopenEgressAsync(experiment, run, cancellationToken).ConfigureAwait(false);
        }
        _ = WatchAsync(experiment, run);
        return true;
    }

    /// <summary>
    /// A re-adopted live run gets its egress listeners back (as plain runs do in
    /// <see cref="RunService"/>), on the spec it was launched with: when the lab's policy changed
    /// since (hash differs from launch.json's) nothing is opened and the run's network fails closed.
    /// </summary>
    private async Task ReopenEgressAsync(ExperimentRecord experiment, Run run, CancellationToken cancellationToken)
    {
        SandboxSpec? spec = null;
        if (await experiments.FindLabAsync(experiment.Lab, cancellationToken).ConfigureAwait(false) is { } lab)
        {
            try
            {
                spec = Compile(lab, TreeOf(lab.Id, experiment.Id), experiment.TimeoutSeconds);
            }
            catch (LabdException)
            {
            }
        }
        if (await registry.ReopenEgressAsync(run, spec, cancellationToken).ConfigureAwait(false) is { } reason)
        {
            RunLog.EgressNotReopened(logger, run.Id, $"{experiment.Label}: {reason}");
        }
    }

    private async Task WatchAsync(ExperimentRecord experiment, Run run)
    {
        if (!_watched.TryAdd(experiment.Id, 0))
        {
            return;
        }
        try
        {
            var exit = await run.WaitAsync(_stopping.Token).ConfigureAwait(false);
            await egress.ReleaseAsync(run.Id, CancellationToken.None).ConfigureAwait(false);
            ExperimentEnd end;
            try
            {
                end = MetricsHarvest.Harvest(exit, run.Paths.Log);
                if (MetricsCap.Exceeded(run) is { } capped)
                {
                    end = end with { Reason = end.Reason is null ? capped : $"{end.Reason}; {capped}" };
                }
            }
            catch (Exception e) when (e is IOException or System.ComponentModel.Win32Exception or UnauthorizedAccessException)
            {
                end = new ExperimentEnd(ExperimentRecord.Failed, "the run's output could not be read: " + e.Message, exit.ExitCode, null);
            }
            await RecordEndAsync(experiment, end).ConfigureAwait(false);
            ReturnTree(experiment, run);
        }
        catch (OperationCanceledException)
        {
            // labd is stopping; the next labd re-adopts the run.
        }
        finally
        {
            _watched.TryRemove(experiment.Id, out _);
        }
    }

    private async Task RecordEndAsync(ExperimentRecord experiment, ExperimentEnd end)
    {
        if (experiment.RunId is { } runId && registry.Find(runId) is null)
        {
            // Never launched (the run's own end releases a launched run's lease).
            registry.Gpus.Release(runId);
        }
        if (await experiments.FinishAsync(experiment, end, CancellationToken.None).ConfigureAwait(false))
        {
            _cancelRequested.TryRemove(experiment.Id, out _);
            ExperimentLog.Ended(logger, experiment.Label, experiment.Id, end.Status, end.Reason);
        }
        Wake();
    }

    /// <summary>After the run: the tree back to the lab's owner (entries the target owns only, no links followed).</summary>
    private void ReturnTree(ExperimentRecord experiment, Run run)
    {
        var tree = TreeOf(experiment.Lab, experiment.Id);
        try
        {
            var plan = JsonSerializer.Deserialize(File.ReadAllText(run.Paths.LaunchPlan), RunsJsonContext.Default.LaunchPlan);
            if (plan is null || !Directory.Exists(tree))
            {
                return;
            }
            var target = RunRegistry.TargetHostUid(plan.User);
            var owner = experiments.FindLabAsync(experiment.Lab, CancellationToken.None).GetAwaiter().GetResult()?.OwnerUid;
            if (owner is { } uid)
            {
                TreeOwnership.Return(tree, target, uid, accounts.PrimaryGroup(uid));
            }
        }
        catch (Exception e) when (e is IOException or System.ComponentModel.Win32Exception or UnauthorizedAccessException or JsonException)
        {
            ExperimentLog.TreeNotReturned(logger, experiment.Label, experiment.Id, e.Message);
        }
    }
}
