namespace Labd.Protocol;

/// <summary>How many ideas and experiments a lab has, by status.</summary>
public sealed record LabCounts(IReadOnlyDictionary<string, long> Ideas, IReadOnlyDictionary<string, long> Experiments);
