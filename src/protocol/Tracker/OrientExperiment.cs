namespace Labd.Protocol;

/// <summary>An experiment in <see cref="Orientation"/>.</summary>
public sealed record OrientExperiment(long Id, string Label, int Idea, string Status, string? Reason, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt);
