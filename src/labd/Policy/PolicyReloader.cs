using System.Text.Json;
using Labd.Api;
using Labd.Experiments;
using Labd.Hosting;
using Labd.Protocol;
using Labd.SandboxPolicy;
using Labd.SandboxPolicy.Config;
using Labd.Store;

namespace Labd.Policy;

/// <summary>
/// Re-reads the policy set on SIGHUP (<see cref="IReloadable"/>) and <c>POST /v1/policies/reload</c>.
/// All or nothing: an invalid set is logged diagnostic by diagnostic and rejected, the previous
/// set stays; a valid one is swapped in, its hash changes logged and a <c>policy.reload</c> audit
/// event appended. A set that lacks a policy some lab uses is rejected the same way, naming the
/// labs: move them first (<see cref="SetLabPolicyAsync"/>, under the same lock, so a lab cannot
/// move to a policy a concurrent reload is removing).
/// </summary>
internal sealed class PolicyReloader(PolicyRegistry registry, StateStore store, ExperimentStore labs, ILogger<PolicyReloader> logger) : IReloadable, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    async Task IReloadable.ReloadAsync(LabdConfig config, CancellationToken cancellationToken)
    {
        var outcome = await ReloadAsync(config.PolicyDir, Actor.Daemon, cancellationToken).ConfigureAwait(false);
        if (!outcome.Succeeded)
        {
            throw new LabdException(ErrorCode.PolicyInvalid, outcome.Summary);
        }
    }

    public async Task<PolicyReloadOutcome> ReloadAsync(string policyDir, Actor actor, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var load = PolicySources.Load(policyDir);
            LogDiagnostics(logger, load.Result.Diagnostics);
            if (!load.Result.Success)
            {
                var errors = load.Result.Errors.Select(d => d.ToString()).ToList();
                var generation = registry.Current.Generation;
                var summary = $"{errors.Count} error(s) in the policies in {load.Source}; generation {generation} stays in force. Fix them (`labctl policy check {policyDir}/*.yaml`) and reload again";
                PolicyLog.ReloadRejected(logger, load.Source, errors.Count, generation);
                registry.RecordRejected($"rejected: {errors.Count} error(s)");
                return new PolicyReloadOutcome(null, errors, summary);
            }

            var orphaned = (await labs.LabPoliciesAsync(cancellationToken).ConfigureAwait(false))
                .Where(l => load.Result.Set.Find(l.Policy) is null).ToList();
            if (orphaned.Count > 0)
            {
                var generation = registry.Current.Generation;
                var errors = orphaned.GroupBy(l => l.Policy, StringComparer.Ordinal)
                    .Select(g => $"policy '{g.Key}' is gone from {load.Source} but lab(s) {string.Join(", ", g.Select(l => l.Lab))} use it; move them first: `labctl lab set-policy --lab {g.First().Lab} NAME`, or put the file back")
                    .ToList();
                var summary = $"{string.Join("; ", errors)}; generation {generation} stays in force";
                PolicyLog.ReloadRejectedInUse(logger, load.Source, string.Join(", ", orphaned.Select(l => $"{l.Lab} ({l.Policy})")), generation);
                registry.RecordRejected($"rejected: {orphaned.Count} lab(s) use a removed policy");
                return new PolicyReloadOutcome(null, errors, summary);
            }

            var (previous, installed) = registry.Install(load.Result.Set, load.Source, load.Embedded);
            if (load.Embedded)
            {
                PolicyLog.UsingEmbedded(logger, policyDir);
            }
            var changes = Diff(previous, installed);
            foreach (var change in changes)
            {
                PolicyLog.PolicyChanged(logger, change.Name, change.Change, change.OldHash ?? "-", change.NewHash ?? "-");
            }
            PolicyLog.Reloaded(logger, installed.Source, installed.Generation, installed.Policies.Count, changes.Count);
            var result = new PolicyReloadResult(
                installed.Generation,
                installed.Source,
                changes,
                [.. load.Result.Diagnostics.Where(d => !d.IsError).Select(d => d.ToString())]);
            var data = JsonSerializer.Serialize(result, ProtocolJsonContext.Default.PolicyReloadResult);
            await store.AppendEventAsync(actor, "policy.reload", installed.Source, data, cancellationToken).ConfigureAwait(false);
            return new PolicyReloadOutcome(result, [], $"generation {installed.Generation}: {changes.Count} change(s)");
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Moves a lab to another loaded policy: its owner or an admin; agents and experiments never
    /// (a sandbox must not choose its own sandbox). Queued experiments and later agent turns run
    /// under the new policy; running ones keep the sandbox they started with.
    /// </summary>
    public async Task<LabPolicyChange> SetLabPolicyAsync(Caller caller, string labId, string? policy, CancellationToken cancellationToken)
    {
        if (caller.Kind is CallerKind.Agent or CallerKind.Experiment)
        {
            throw new LabdException(ErrorCode.Forbidden, "agents and experiments cannot change a lab's policy; ask the lab's owner");
        }
        if (string.IsNullOrWhiteSpace(policy))
        {
            throw new LabdException(ErrorCode.BadRequest, "policy must name a loaded policy, e.g. {\"policy\": \"default\"}; see `labctl policy ls`");
        }
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var lab = await labs.FindLabAsync(labId, cancellationToken).ConfigureAwait(false);
            if (lab is null || (!caller.IsAdmin && lab.OwnerUid != caller.Uid))
            {
                throw new LabdException(ErrorCode.LabNotFound, $"no lab '{labId}' of yours; see `labctl lab ls`");
            }
            if (registry.Current.Set.Find(policy) is null)
            {
                throw new LabdException(ErrorCode.PolicyNotFound, $"no policy '{policy}'; loaded: {string.Join(", ", registry.Current.Policies.Keys.Order(StringComparer.Ordinal))} (see `labctl policy ls`)");
            }
            var change = new LabPolicyChange(lab.Id, lab.Policy, policy);
            await labs.SetLabPolicyAsync(lab.Id, policy, new Actor(caller.KindName, caller.Uid),
                JsonSerializer.Serialize(change, ProtocolJsonContext.Default.LabPolicyChange), cancellationToken).ConfigureAwait(false);
            PolicyLog.LabPolicySet(logger, lab.Id, lab.Policy, policy, caller.Uid);
            return change;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    public static void LogDiagnostics(ILogger logger, IEnumerable<Diagnostic> diagnostics)
    {
        foreach (var d in diagnostics)
        {
            var message = d.Suggestion is null ? d.Message : $"{d.Message} ({d.Suggestion})";
            if (d.IsError)
            {
                PolicyLog.PolicyError(logger, d.Location.File, d.Location.Line, d.Location.Column, d.Code, message);
            }
            else
            {
                PolicyLog.PolicyWarning(logger, d.Location.File, d.Location.Line, d.Location.Column, d.Code, message);
            }
        }
    }

    /// <summary>Policies added, removed or whose hash changed, by name.</summary>
    public static IReadOnlyList<PolicyChange> Diff(PolicySnapshot previous, PolicySnapshot next)
    {
        var changes = new List<PolicyChange>();
        foreach (var name in previous.Policies.Keys.Union(next.Policies.Keys).Order(StringComparer.Ordinal))
        {
            var old = previous.Policies.GetValueOrDefault(name)?.Hash;
            var now = next.Policies.GetValueOrDefault(name)?.Hash;
            var change = (old, now) switch
            {
                (null, _) => "added",
                (_, null) => "removed",
                _ when old != now => "changed",
                _ => null,
            };
            if (change is not null)
            {
                changes.Add(new PolicyChange(name, change, old, now));
            }
        }
        return changes;
    }
}
