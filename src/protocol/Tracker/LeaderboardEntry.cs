namespace Labd.Protocol;

/// <summary>
/// One row of the leaderboard. <c>DeltaParent</c>: value minus the best value among the idea's parent
/// ideas' experiments (root ideas: minus the baseline); <c>DeltaBaseline</c>: value minus the baseline.
/// </summary>
public sealed record LeaderboardEntry(
    int Rank,
    string Label,
    long Experiment,
    int Idea,
    double Value,
    double? DeltaParent,
    double? DeltaBaseline,
    IReadOnlyList<string> Tags,
    string Commit);
