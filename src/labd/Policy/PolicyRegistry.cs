using System.Diagnostics.CodeAnalysis;
using Labd.Runs;
using Labd.SandboxPolicy;

namespace Labd.Policy;

/// <summary>
/// The policy set in force. Readers take <see cref="Current"/> once per use (a run takes the
/// policy and its hash from one snapshot); reloads replace it atomically. Running sandboxes
/// keep the immutable spec they started with, so a swap only affects new runs.
/// </summary>
internal sealed class PolicyRegistry : IRunPolicies
{
    private readonly Lock _writer = new();
    private PolicySnapshot _current;
    private PolicyReloadRecord? _lastReload;

    public PolicyRegistry(PolicySet set, string source, bool embedded) =>
        _current = new PolicySnapshot(set, source, embedded, DateTimeOffset.UtcNow, Generation: 1);

    public PolicySnapshot Current => Volatile.Read(ref _current);

    /// <summary>The last reload attempt (null until the first one), successful or not.</summary>
    public PolicyReloadRecord? LastReload => Volatile.Read(ref _lastReload);

    /// <summary>The policy named <paramref name="name"/> in the current set.</summary>
    public bool TryGet(string name, [NotNullWhen(true)] out EffectivePolicy? policy)
    {
        policy = Current.Set.Find(name);
        return policy is not null;
    }

    /// <inheritdoc/>
    public EffectivePolicy? Find(string name) => Current.Set.Find(name);

    /// <inheritdoc/>
    public IReadOnlyCollection<string> Names => Current.Policies.Keys.ToArray();

    /// <summary>Makes <paramref name="set"/> current with the next generation; returns (previous, installed).</summary>
    public (PolicySnapshot Previous, PolicySnapshot Installed) Install(PolicySet set, string source, bool embedded)
    {
        lock (_writer)
        {
            var previous = _current;
            var next = new PolicySnapshot(set, source, embedded, DateTimeOffset.UtcNow, previous.Generation + 1);
            Volatile.Write(ref _current, next);
            Volatile.Write(ref _lastReload, new PolicyReloadRecord(next.LoadedAt, true, $"loaded {set.Policies.Count} policies (generation {next.Generation})"));
            return (previous, next);
        }
    }

    /// <summary>Records a rejected reload; the current set stays.</summary>
    public void RecordRejected(string summary) =>
        Volatile.Write(ref _lastReload, new PolicyReloadRecord(DateTimeOffset.UtcNow, false, summary));
}
