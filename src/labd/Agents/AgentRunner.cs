using System.Collections.Concurrent;
using System.Globalization;
using Labd.Hosting;
using Labd.Protocol;
using Labd.Runs;
using Labd.SandboxPolicy;
using Labd.SandboxPolicy.Config;
using Labd.Tracker;

namespace Labd.Agents;

/// <summary>
/// Runs agent sessions: one loop per running session, one turn at a time. A turn is one run of
/// the agent's command in its own sandbox (lab policy, the agent's worktree writable, its own
/// <c>/run/lab/api.sock</c> that identifies it). Turn k+1 starts at turn k's start plus the
/// interval, or at once when turn k overran; never two at once. Each turn is recorded (number,
/// run id, running) before its sandbox is launched, so after a restart the loop re-adopts the
/// turn's run by id, or fails a turn that never launched, and goes on.
/// </summary>
internal sealed class AgentRunner(
    AgentStore agents,
    AgentWorktrees worktrees,
    RunRegistry registry,
    IRunPolicies policies,
    IEgressProvider egress,
    LabdSettings settings,
    ILogger<AgentRunner> logger) : IHostedService, IDisposable
{
    /// <summary>How long a turn waits when no sandbox user is free.</summary>
    internal static readonly TimeSpan PoolRetry = TimeSpan.FromSeconds(15);

    private readonly ConcurrentDictionary<long, Session> _sessions = new();
    private readonly CancellationTokenSource _stopping = new();

    public Task StartAsync(CancellationToken cancellationToken) => ReadoptAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_sessions.Values.Select(s => s.Loop)).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose() => _stopping.Dispose();

    /// <summary>Starts the loop of a session unless it has one.</summary>
    public void Launch(long id)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }
        var session = new Session();
        if (_sessions.TryAdd(id, session))
        {
            session.Loop = Task.Run(() => LoopAsync(id, session));
        }
    }

    /// <summary>After the session was marked stopping: wakes its loop and ends the current turn
    /// (SIGTERM, the runs' grace period, SIGKILL of the whole sandbox).</summary>
    public async Task StopAsync(long id, TimeSpan? grace = null)
    {
        if (!_sessions.TryGetValue(id, out var session))
        {
            Launch(id);
            return;
        }
        session.Grace = grace;
        try
        {
            await session.Stop.CancelAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The loop has just ended.
            return;
        }
        if (session.Current is { } run)
        {
            await run.CancelAsync(CancellationToken.None, grace).ConfigureAwait(false);
        }
    }

    /// <summary>Ends a session once (stopped, finished or failed) and logs it.</summary>
    public async Task EndAsync(long id, string status, string? reason)
    {
        if (await agents.EndAsync(id, status, reason, CancellationToken.None).ConfigureAwait(false))
        {
            AgentLog.Ended(logger, id, status, reason);
        }
    }

    private async Task ReadoptAsync(CancellationToken cancellationToken)
    {
        var active = await agents.ActiveAsync(cancellationToken).ConfigureAwait(false);
        foreach (var agent in active)
        {
            Launch(agent.Id);
        }
        AgentLog.Readopted(logger, active.Count);
    }

    private async Task LoopAsync(long id, Session session)
    {
        var cancellationToken = _stopping.Token;
        try
        {
            if (await agents.CurrentTurnAsync(id, cancellationToken).ConfigureAwait(false) is { } left)
            {
                await ResumeTurnAsync(id, left, session, cancellationToken).ConfigureAwait(false);
            }
            while (!cancellationToken.IsCancellationRequested)
            {
                var agent = await agents.GetAsync(id, cancellationToken).ConfigureAwait(false);
                if (agent is null || !agent.IsActive)
                {
                    return;
                }
                if (agent.Status == AgentRecord.Stopping)
                {
                    await EndAsync(id, AgentRecord.Stopped, "stopped").ConfigureAwait(false);
                    return;
                }
                var now = DateTimeOffset.UtcNow;
                if (Spent(agent, now) is { } reason)
                {
                    await EndAsync(id, AgentRecord.Finished, reason).ConfigureAwait(false);
                    return;
                }
                var due = agent.NextTurnAt ?? now;
                if (agent.Until is { } until && until < due)
                {
                    due = until;
                }
                if (due > now)
                {
                    await SleepAsync(due - now, session, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                await RunTurnAsync(agent, session, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // labd is stopping; the next labd re-adopts the session and its turn.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            AgentLog.LoopFailed(logger, e, id, e.Message);
            await EndAsync(id, AgentRecord.Failed, "labd could not run its loop: " + e.Message).ConfigureAwait(false);
        }
        finally
        {
            _sessions.TryRemove(new KeyValuePair<long, Session>(id, session));
            session.Dispose();
        }
    }

    /// <summary>Why the session is done before its next turn (a cap reached), or null.</summary>
    internal static string? Spent(AgentRow agent, DateTimeOffset now)
    {
        if (agent.IntervalSeconds is null && agent.Turns >= 1)
        {
            return "one turn done";
        }
        if (agent.MaxTurns is { } max && agent.Turns >= max)
        {
            return string.Create(CultureInfo.InvariantCulture, $"max turns ({max}) reached");
        }
        if (agent.BudgetUsd is { } budget && agent.CostUsd >= budget)
        {
            return string.Create(CultureInfo.InvariantCulture, $"budget ${budget} spent (${agent.CostUsd:0.####})");
        }
        if (agent.Until is { } until && now >= until)
        {
            return "until reached";
        }
        return null;
    }

    private static async Task SleepAsync(TimeSpan delay, Session session, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, session.Stop.Token);
        try
        {
            await Task.Delay(delay, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // A stop: the loop reads the new status.
        }
    }

    private async Task RunTurnAsync(AgentRow agent, Session session, CancellationToken cancellationToken)
    {
        if (await agents.FindLabAsync(agent.Lab, cancellationToken).ConfigureAwait(false) is not { } lab)
        {
            await EndAsync(agent.Id, AgentRecord.Failed, $"lab {agent.Lab} is gone").ConfigureAwait(false);
            return;
        }
        var number = agent.Turns + 1;
        var runId = Guid.NewGuid().ToString("N")[..12];
        var start = DateTimeOffset.UtcNow;
        DateTimeOffset? next = agent.IntervalSeconds is { } interval ? start.AddSeconds(interval) : null;
        if (!await agents.BeginTurnAsync(agent.Id, number, runId, start, next, cancellationToken).ConfigureAwait(false))
        {
            return;
        }
        AgentLog.TurnStarting(logger, agent.Id, number, runId);
        Run run;
        try
        {
            worktrees.Ensure(agent, lab);
            run = await registry.StartAsync(Request(agent, lab, number, runId), CancellationToken.None).ConfigureAwait(false);
        }
        catch (SandboxPoolExhaustedException e)
        {
            // Transient: experiments hold every sandbox user. The turn is taken back and tried again.
            var retryAt = DateTimeOffset.UtcNow + PoolRetry;
            AgentLog.TurnDeferred(logger, agent.Id, number, e.Message, retryAt);
            await agents.DeferTurnAsync(agent.Id, number, retryAt, e.Message, CancellationToken.None).ConfigureAwait(false);
            return;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            await EndTurnAsync(agent.Id, number, "failed", null, TurnUsage.None, "could not start: " + e.Message).ConfigureAwait(false);
            await EndAsync(agent.Id, AgentRecord.Failed, $"turn {number} could not start: {e.Message}").ConfigureAwait(false);
            return;
        }
        await WatchTurnAsync(agent, lab, number, run, session, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A turn recorded as running by an earlier labd: its run re-adopted by id (egress
    /// re-opened, fail closed), or the turn failed when its run never launched.</summary>
    private async Task ResumeTurnAsync(long id, AgentTurnRecord turn, Session session, CancellationToken cancellationToken)
    {
        var agent = await agents.GetAsync(id, cancellationToken).ConfigureAwait(false);
        var lab = agent is null ? null : await agents.FindLabAsync(agent.Lab, cancellationToken).ConfigureAwait(false);
        var run = turn.RunId is { } runId ? await registry.FindLaunchedAsync(runId, cancellationToken).ConfigureAwait(false) : null;
        if (run is null || agent is null || lab is null)
        {
            AgentLog.TurnLost(logger, id, turn.Number, turn.RunId ?? "none");
            await EndTurnAsync(id, turn.Number, "failed", null, TurnUsage.None, "its sandbox never started (labd stopped before launching it)").ConfigureAwait(false);
            await StopAfterFailuresAsync(id, turn.Number).ConfigureAwait(false);
            return;
        }
        if (run.TryGetExit() is null)
        {
            SandboxSpec? spec = null;
            try
            {
                spec = Compile(lab, agent.Worktree);
            }
            catch (LabdException)
            {
            }
            if (await registry.ReopenEgressAsync(run, spec, cancellationToken).ConfigureAwait(false) is { } reason)
            {
                RunLog.EgressNotReopened(logger, run.Id, reason);
            }
        }
        await WatchTurnAsync(agent, lab, turn.Number, run, session, cancellationToken).ConfigureAwait(false);
    }

    private async Task WatchTurnAsync(AgentRow agent, LabRow lab, int number, Run run, Session session, CancellationToken cancellationToken)
    {
        session.Current = run;
        var current = await agents.GetAsync(agent.Id, cancellationToken).ConfigureAwait(false);
        if (session.Stop.IsCancellationRequested || current?.Status == AgentRecord.Stopping)
        {
            await run.CancelAsync(CancellationToken.None, session.Grace).ConfigureAwait(false);
        }
        var untilReached = false;
        using var untilTimer = new CancellationTokenSource();
        if (agent.Until is { } until)
        {
            _ = CancelAtAsync(until, run, () => untilReached = true, untilTimer.Token);
        }
        var exit = await run.WaitAsync(cancellationToken).ConfigureAwait(false);
        await untilTimer.CancelAsync().ConfigureAwait(false);
        session.Current = null;
        await egress.ReleaseAsync(run.Id, CancellationToken.None).ConfigureAwait(false);

        var usage = TurnUsage.None;
        try
        {
            usage = AgentUsage.Read(agent.Output, run.Paths.Log);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        SaveWorktree(agent, lab, number, run);
        var (status, reason) = TurnOutcome.Judge(agent.Output, exit, run.Paths.Log);
        await EndTurnAsync(agent.Id, number, status, exit.ExitCode, usage, reason).ConfigureAwait(false);
        if (exit.Outcome == RunOutcome.SetupFailed)
        {
            await EndAsync(agent.Id, AgentRecord.Failed, $"turn {number}: the sandbox could not start: {exit.Message}").ConfigureAwait(false);
        }
        else if (untilReached)
        {
            await EndAsync(agent.Id, AgentRecord.Finished, "until reached").ConfigureAwait(false);
        }
        else if (status == "failed")
        {
            await StopAfterFailuresAsync(agent.Id, number).ConfigureAwait(false);
        }
    }

    /// <summary>Ends the session as failed once its turns have failed <c>max_failures</c> times in a
    /// row, with the last turn's reason: a loop whose API key is wrong stops instead of retrying forever.</summary>
    private async Task StopAfterFailuresAsync(long id, int number)
    {
        if (await agents.GetAsync(id, CancellationToken.None).ConfigureAwait(false) is not { Status: AgentRecord.Running } agent
            || (agent.Failures < agent.MaxFailures && agent.IntervalSeconds is not null))
        {
            return;
        }
        var reason = (await agents.TurnAsync(id, number, CancellationToken.None).ConfigureAwait(false))?.Reason ?? "failed";
        // A one-turn agent whose turn failed has failed, not finished.
        await EndAsync(id, AgentRecord.Failed, agent.IntervalSeconds is null
            ? $"its turn failed: {reason}"
            : string.Create(CultureInfo.InvariantCulture, $"{agent.Failures} turns failed in a row (--max-failures {agent.MaxFailures}); turn {number}: {reason}")).ConfigureAwait(false);
    }

    private static async Task CancelAtAsync(DateTimeOffset at, Run run, Action reached, CancellationToken cancellationToken)
    {
        try
        {
            var delay = at - DateTimeOffset.UtcNow;
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
            reached();
            await run.CancelAsync(cancellationToken, AgentService.DefaultStopGrace).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The worktree back to the lab's owner and committed onto the agent's branch. A failure
    /// is logged, not fatal: the files stay in the worktree for the next turn.</summary>
    private void SaveWorktree(AgentRow agent, LabRow lab, int number, Run run)
    {
        try
        {
            if (RunRegistry.PlanOf(run) is { } plan && Directory.Exists(agent.Worktree))
            {
                worktrees.Return(agent, lab, RunRegistry.TargetHostUid(plan.User));
                var commit = AgentWorktrees.Snapshot(agent, lab, number);
                AgentLog.Snapshotted(logger, agent.Id, number, commit, agent.Branch);
            }
        }
        catch (Exception e) when (e is LabdException or IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            AgentLog.WorktreeNotSaved(logger, agent.Id, number, e.Message);
        }
    }

    private async Task EndTurnAsync(long id, int number, string status, int? exitCode, TurnUsage usage, string? reason)
    {
        if (await agents.EndTurnAsync(id, number, status, exitCode, usage, reason, CancellationToken.None).ConfigureAwait(false))
        {
            AgentLog.TurnEnded(logger, id, number, status, exitCode, reason);
        }
    }

    private RunRequest Request(AgentRow agent, LabRow lab, int number, string runId)
    {
        var spec = Compile(lab, agent.Worktree);
        var policy = policies.Find(lab.Policy);
        if (policy is not null && !policy.AllowsAgent(agent.Kind))
        {
            throw new LabdException(ErrorCode.Forbidden, $"lab {lab.Id}'s policy '{lab.Policy}' no longer allows agent kind {agent.Kind}");
        }
        IReadOnlyDictionary<string, string> credentials = new Dictionary<string, string>();
        if (agent.Kind != AgentKindConfig.Custom)
        {
            var configured = settings.Current.Agents;
            var kind = (policy is null ? configured.GetValueOrDefault(agent.Kind) : policy.AgentKind(configured, agent.Kind))
                ?? throw new LabdException(ErrorCode.BadRequest, $"agent kind {agent.Kind} is no longer in labd.yaml or policy '{lab.Policy}'");
            AgentCredentials.Check(agent.Kind, kind.Credentials);
            credentials = kind.Credentials;
        }
        var prompt = AgentPrompt.Build(agent, lab, number);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["LAB_AGENT_ID"] = Db.Text(agent.Id),
            ["LAB_AGENT_ROLE"] = agent.Role,
            ["LAB_TURN"] = number.ToString(CultureInfo.InvariantCulture),
            ["LAB_LAB"] = agent.Lab,
            ["LAB_PROMPT_FILE"] = AgentPrompt.PromptFile,
        };
        return new RunRequest(spec, AgentPrompt.Substitute(agent.Command, prompt), agent.Worktree, [], environment)
        {
            RunId = runId,
            WritableTree = agent.Worktree,
            // Its own /run/lab/api.sock: this agent, confined to its lab.
            ApiCaller = new SandboxApiCaller(Api.CallerKind.Agent, agent.Lab, Db.Text(agent.Id)) { Role = agent.Role },
            ExtraSecretFiles = credentials,
            StandardInput = AgentPrompt.StandardInput(agent.Command),
            LabFiles = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [AgentPrompt.PromptFileName] = prompt,
                [AgentPrompt.McpFileName] = AgentPrompt.McpConfig,
            },
        };
    }

    private SandboxSpec Compile(LabRow lab, string worktree)
    {
        var policy = policies.Find(lab.Policy)
            ?? throw new LabdException(ErrorCode.PolicyNotFound, $"lab {lab.Id}'s policy '{lab.Policy}' is not loaded; available: {string.Join(", ", policies.Names)}");
        var result = PolicyCompiler.Compile(policy, new PolicyVariables(lab.Path, worktree, WorkingDirectory.HomeOf(lab.OwnerUid)));
        if (!result.Success)
        {
            throw new LabdException(ErrorCode.PolicyInvalid, $"policy '{lab.Policy}' does not compile for lab {lab.Id}: {string.Join("; ", result.Diagnostics.Where(d => d.IsError))}");
        }
        return RunService.WithoutSymlinkedSystemDirectories(result.Spec);
    }

    /// <summary>One session's loop: its stop signal and the run of its current turn.</summary>
    private sealed class Session : IDisposable
    {
        public Task Loop { get; set; } = Task.CompletedTask;

        public CancellationTokenSource Stop { get; } = new();

        public volatile Run? Current;

        /// <summary>The grace a stop asked for (null: the runs' default).</summary>
        public TimeSpan? Grace { get; set; }

        public void Dispose() => Stop.Dispose();
    }
}
