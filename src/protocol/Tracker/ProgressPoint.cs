namespace Labd.Protocol;

/// <summary>One succeeded experiment on the progress chart, in the order they ended, with the best value so far.</summary>
public sealed record ProgressPoint(string Label, DateTimeOffset EndedAt, double Value, double Best);
