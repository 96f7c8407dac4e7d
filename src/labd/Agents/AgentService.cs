using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Labd.Api;
using Labd.Hosting;
using Labd.Protocol;
using Labd.Runs;
using Labd.SandboxPolicy;
using Labd.SandboxPolicy.Config;
using Labd.Tracker;

namespace Labd.Agents;

/// <summary>
/// The agents API's model: start (every check before anything is created), list, show and stop.
/// Users act on the agents of their own labs, admins on all; a sandboxed caller on none. Turns
/// belong to <see cref="AgentRunner"/>.
/// </summary>
internal sealed partial class AgentService(
    AgentStore agents,
    AgentRunner runner,
    AgentWorktrees worktrees,
    LabAccess access,
    IRunPolicies policies,
    LabdSettings settings,
    UnixAccounts accounts,
    ILogger<AgentService> logger)
{
    public const string DefaultRole = "default";
    internal const int MinIntervalSeconds = 10;
    internal const int MaxIntervalSeconds = 7 * 24 * 3600;
    internal const int MaxCommandBytes = 64 * 1024;
    internal const int RecentTurns = 20;
    internal const int MaxMaxFailures = 1000;

    /// <summary>What <see cref="AgentStopRequest.GraceSeconds"/> defaults to.</summary>
    internal static readonly TimeSpan DefaultStopGrace = TimeSpan.FromSeconds(10);

    [GeneratedRegex("^[a-z][a-z0-9-]{0,31}$")]
    private static partial Regex RoleName();

    public async Task<AgentRecord> StartAsync(Caller caller, AgentStartRequest request, CancellationToken cancellationToken)
    {
        Unsandboxed(caller);
        if (string.IsNullOrEmpty(request.Lab))
        {
            throw new LabdException(ErrorCode.BadRequest, "lab is required, e.g. {\"lab\": \"cifar\", \"kind\": \"claude\"}; `labctl lab ls` lists yours");
        }
        var lab = await access.GetAsync(caller, request.Lab, manage: true, cancellationToken).ConfigureAwait(false);
        var policy = policies.Find(lab.Policy)
            ?? throw new LabdException(ErrorCode.PolicyNotFound, $"lab {lab.Id}'s policy '{lab.Policy}' is not loaded; available: {string.Join(", ", policies.Names)}");
        var (kind, command, output, credentials) = Kind(request, policy);
        if (!policy.AllowsAgent(kind))
        {
            var allowed = policy.Agents is { } list ? string.Join(", ", list.Value) : "";
            throw new LabdException(ErrorCode.Forbidden, $"lab {lab.Id}'s policy '{lab.Policy}' does not allow agent kind {kind} (it allows: {allowed}); pick one of those, or ask an admin to add {kind} to the policy's agents list");
        }
        var role = request.Role ?? DefaultRole;
        if (!RoleName().IsMatch(role))
        {
            throw new LabdException(ErrorCode.BadRequest, $"role '{Printable(role)}' must be a lowercase name of 1 to 32 characters (a-z, 0-9, '-', starting with a letter), like --role reviewer");
        }
        if (request.IntervalSeconds is { } interval && interval is < MinIntervalSeconds or > MaxIntervalSeconds)
        {
            throw new LabdException(ErrorCode.BadRequest, $"the interval must be between {MinIntervalSeconds} seconds and 7 days, got {interval} s; e.g. -d 15m");
        }
        if (request.MaxFailures is < 1 or > MaxMaxFailures)
        {
            throw new LabdException(ErrorCode.BadRequest, $"max failures must be between 1 and {MaxMaxFailures}, got {request.MaxFailures}; e.g. --max-failures 3");
        }
        if (request.MaxTurns is < 1)
        {
            throw new LabdException(ErrorCode.BadRequest, $"max turns must be at least 1, got {request.MaxTurns}");
        }
        if (request.BudgetUsd is { } budget && (!double.IsFinite(budget) || budget <= 0))
        {
            throw new LabdException(ErrorCode.BadRequest, $"the budget must be a positive number of USD, got {budget.ToString(CultureInfo.InvariantCulture)}");
        }
        if (request.BudgetUsd is not null && output != AgentKindConfig.ClaudeStreamJson)
        {
            // Only Claude Code's stream-json reports a cost; a cap nothing can reach would be a
            // promise labd does not keep.
            throw new LabdException(ErrorCode.BadRequest, $"--budget-usd needs a kind that reports its cost, and {kind} (output: {output}) reports none, so the budget could never stop it; use --max-turns or --until instead, or a kind whose output is {AgentKindConfig.ClaudeStreamJson}");
        }
        if (request.Until is { } until && until <= DateTimeOffset.UtcNow)
        {
            throw new LabdException(ErrorCode.BadRequest, $"--until {until:O} is in the past; give a future time");
        }
        AgentCredentials.Check(kind, credentials);
        var differences = AgentSources.Differences(lab, role, request.Command);
        if (differences.Count > 0 && request.AllowDirty != true)
        {
            throw new LabdException(ErrorCode.Conflict, string.Join("; ", differences) + "; or pass --allow-dirty to start with main's version anyway");
        }

        var row = await agents.InsertAsync(
            new NewAgent(lab.Id, role, kind, command, output, request.IntervalSeconds, request.MaxTurns, request.BudgetUsd, request.Until, lab.Policy, lab.OwnerUid, TrackerCaller.ActorOf(caller), request.MaxFailures ?? AgentRecord.DefaultMaxFailures),
            TrackerCaller.EventActor(caller),
            cancellationToken).ConfigureAwait(false);
        AgentLog.Started(logger, row.Id, lab.Id, kind, role, row.CreatedBy);
        try
        {
            worktrees.Ensure(row, lab);
        }
        catch (Exception e) when (e is LabdException or IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            var reason = "its worktree could not be made: " + e.Message;
            await runner.EndAsync(row.Id, AgentRecord.Failed, reason).ConfigureAwait(false);
            throw e as LabdException ?? new LabdException(ErrorCode.Internal, $"agent {row.Id} failed: {reason}", e);
        }
        runner.Launch(row.Id);
        var started = await ShowAsync(caller, row.Id, cancellationToken).ConfigureAwait(false);
        return differences.Count == 0 ? started : started with { Warnings = [.. differences.Select(d => d + "; started anyway (--allow-dirty): the agent gets main's version")] };
    }

    public async Task<IReadOnlyList<AgentRecord>> ListAsync(Caller caller, string? lab, CancellationToken cancellationToken)
    {
        Unsandboxed(caller);
        if (lab is not null)
        {
            await access.GetAsync(caller, lab, manage: false, cancellationToken).ConfigureAwait(false);
        }
        var rows = await agents.ListAsync(lab, caller.IsAdmin ? null : caller.Uid, cancellationToken).ConfigureAwait(false);
        var result = new List<AgentRecord>(rows.Count);
        foreach (var row in rows)
        {
            var current = row.IsActive ? await agents.CurrentTurnAsync(row.Id, cancellationToken).ConfigureAwait(false) : null;
            result.Add(row.ToRecord(Owner(row.OwnerUid), current));
        }
        return result;
    }

    public async Task<AgentRecord> ShowAsync(Caller caller, long id, CancellationToken cancellationToken)
    {
        var row = await VisibleAsync(caller, id, cancellationToken).ConfigureAwait(false);
        var recent = await agents.TurnsAsync(id, RecentTurns, cancellationToken).ConfigureAwait(false);
        var current = recent.LastOrDefault(t => t.Status == "running");
        return row.ToRecord(Owner(row.OwnerUid), current, recent);
    }

    /// <summary>running → stopping: no new turn; the current one gets SIGTERM, the grace, SIGKILL of its sandbox; then stopped.</summary>
    public async Task<AgentRecord> StopAsync(Caller caller, long id, AgentStopRequest? request, CancellationToken cancellationToken)
    {
        var row = await VisibleAsync(caller, id, cancellationToken).ConfigureAwait(false);
        if (request?.GraceSeconds is < 0 or > 3600)
        {
            throw new LabdException(ErrorCode.BadRequest, $"graceSeconds must be between 0 and 3600, got {request.GraceSeconds}");
        }
        if (!row.IsActive)
        {
            throw new LabdException(ErrorCode.Conflict, $"agent {id} has already ended ({row.Status}{(row.Reason is { } r ? ": " + r : "")}); nothing to stop");
        }
        if (await agents.RequestStopAsync(id, TrackerCaller.EventActor(caller), cancellationToken).ConfigureAwait(false))
        {
            AgentLog.StopRequested(logger, id, TrackerCaller.ActorOf(caller));
        }
        await runner.StopAsync(id, request?.GraceSeconds is { } grace ? TimeSpan.FromSeconds(grace) : DefaultStopGrace).ConfigureAwait(false);
        return await ShowAsync(caller, id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The session when the caller may act on it (agents of the caller's labs; admins all), else agent-not-found.</summary>
    public async Task<AgentRow> VisibleAsync(Caller caller, long id, CancellationToken cancellationToken)
    {
        Unsandboxed(caller);
        var row = await agents.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (row is null || !(caller.IsAdmin || (caller.Kind == CallerKind.User && row.OwnerUid == caller.Uid)))
        {
            throw new LabdException(ErrorCode.AgentNotFound, $"no agent {id} in your labs; `labctl agent ls` lists them");
        }
        return row;
    }

    /// <summary>The kind's argv and output: the lab policy's own (<c>agents: {KIND: {command: ...}}</c>)
    /// if it has one, else labd.yaml's; credentials always from labd.yaml.</summary>
    private (string Kind, IReadOnlyList<string> Command, string Output, IReadOnlyDictionary<string, string> Credentials) Kind(AgentStartRequest request, EffectivePolicy policy)
    {
        var configured = settings.Current.Agents;
        var known = configured.Keys.Concat(policy.AgentKinds.Keys).Distinct().Order(StringComparer.Ordinal);
        if (request.Command is { } command)
        {
            if (request.Kind is not null && request.Kind != AgentKindConfig.Custom)
            {
                throw new LabdException(ErrorCode.BadRequest, $"give either a kind ({request.Kind}) or a command, not both");
            }
            if (command.Count == 0 || string.IsNullOrEmpty(command[0]))
            {
                throw new LabdException(ErrorCode.BadRequest, "the agent command must be a non-empty argv, e.g. --agent-command \"sh agent.sh\"");
            }
            if (command.Sum(a => Encoding.UTF8.GetByteCount(a) + 1) > MaxCommandBytes || command.Any(a => a.Contains('\0', StringComparison.Ordinal)))
            {
                throw new LabdException(ErrorCode.BadRequest, $"the agent command must be at most {MaxCommandBytes / 1024} KiB without NUL characters");
            }
            return (AgentKindConfig.Custom, command, AgentKindConfig.Text, new Dictionary<string, string>());
        }
        if (request.Kind is not { Length: > 0 } name || name == AgentKindConfig.Custom)
        {
            throw new LabdException(ErrorCode.BadRequest, $"give an agent kind ({string.Join(", ", known)}) or a custom command (--agent-command)");
        }
        var kind = policy.AgentKind(configured, name)
            ?? throw new LabdException(ErrorCode.BadRequest, $"no agent kind '{Printable(name)}' in labd.yaml or policy '{policy.Name}'; known here: {string.Join(", ", known)}");
        return (name, kind.Command, kind.Output, kind.Credentials);
    }

    private string Owner(int uid) => accounts.UserName(uid) ?? uid.ToString(CultureInfo.InvariantCulture);

    private static void Unsandboxed(Caller caller)
    {
        if (TrackerCaller.IsSandboxed(caller))
        {
            throw new LabdException(ErrorCode.Forbidden, $"a sandboxed {caller.KindName} cannot start, list or stop agents; a person does that with `labctl agent`");
        }
    }

    private static string Printable(string text) => new([.. text.Take(64).Select(c => char.IsControl(c) ? '?' : c)]);
}
