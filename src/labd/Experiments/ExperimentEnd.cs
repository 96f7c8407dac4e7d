namespace Labd.Experiments;

/// <summary>How an experiment ended, ready to record: terminal status, reason, exit code, final metrics.</summary>
internal sealed record ExperimentEnd(string Status, string? Reason, int? ExitCode, SortedDictionary<string, double>? Metrics);
