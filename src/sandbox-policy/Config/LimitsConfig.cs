using System.Collections.Immutable;

namespace Labd.SandboxPolicy.Config;

/// <summary>
/// Quotas labd enforces per tenant (<c>limits:</c> in labd.yaml). Tracker writes (notes, ideas,
/// messages, labs, tags, metrics) are limited per caller by a token bucket of
/// <see cref="TrackerWriteBurst"/> tokens refilled at <see cref="TrackerWritesPerMinute"/>; a
/// run's egress decision log (<c>egress.jsonl</c> and the journal) by a token bucket of
/// <see cref="EgressLogBurst"/> lines refilled at <see cref="EgressLogLinesPerSecond"/>, and
/// at most <see cref="EgressLogBytes"/> bytes on disk. A rate of 0 (or size 0) turns that limit off.
/// Materialised experiment trees and ended run directories are removed once they ended
/// <see cref="CollectAfter"/> ago (<see cref="TimeSpan.Zero"/>: never).
/// </summary>
public sealed record LimitsConfig(
    int TrackerWritesPerMinute,
    int TrackerWriteBurst,
    int EgressLogLinesPerSecond,
    int EgressLogBurst,
    long EgressLogBytes)
{
    public TimeSpan CollectAfter { get; init; } = TimeSpan.FromDays(14);

    public static LimitsConfig Default { get; } = new(
        TrackerWritesPerMinute: 120,
        TrackerWriteBurst: 60,
        EgressLogLinesPerSecond: 20,
        EgressLogBurst: 200,
        EgressLogBytes: 4L << 20);

    public static ImmutableArray<string> Keys { get; } = ["trackerWritesPerMinute", "trackerWriteBurst", "egressLogLinesPerSecond", "egressLogBurst", "egressLogBytes", "collectAfter"];
}
