namespace Labd.Protocol;

/// <summary><c>GET /v1/labs/{lab}/leaderboard</c>: succeeded experiments with the metric, best first. <c>Baseline</c>: the best succeeded experiment tagged <c>baseline</c>.</summary>
public sealed record Leaderboard(string Metric, string Direction, double? Baseline, IReadOnlyList<LeaderboardEntry> Entries);
