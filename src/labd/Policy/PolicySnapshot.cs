using System.Collections.Immutable;
using Labd.SandboxPolicy;

namespace Labd.Policy;

/// <summary>
/// One complete, validated policy set as loaded at <see cref="LoadedAt"/>. Immutable: a reload
/// builds a new snapshot and swaps it in whole, so a reader never sees half of two sets.
/// </summary>
internal sealed record PolicySnapshot(PolicySet Set, string Source, bool Embedded, DateTimeOffset LoadedAt, long Generation)
{
    /// <summary>Effective policies by name; each has its <see cref="EffectivePolicy.Hash"/>.</summary>
    public ImmutableSortedDictionary<string, EffectivePolicy> Policies => Set.Policies;
}
