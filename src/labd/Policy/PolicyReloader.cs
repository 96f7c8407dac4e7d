using System.Text.Json;
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
/// event appended.
/// </summary>
internal sealed class PolicyReloader(PolicyRegistry registry, StateStore store, ILogger<PolicyReloader> logger) : IReloadable, IDisposable
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
