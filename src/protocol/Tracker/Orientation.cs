namespace Labd.Protocol;

/// <summary>
/// <c>GET /v1/labs/{lab}/orient</c>: what an agent needs at the start of a turn. <c>Failures</c> are those
/// that ended since this caller's previous orient; <c>Unread</c> messages are marked read by this answer.
/// </summary>
public sealed record Orientation(
    string Lab,
    string Metric,
    string Direction,
    IReadOnlyList<OrientIdea> Active,
    IReadOnlyList<OrientExperiment> Running,
    IReadOnlyList<OrientExperiment> Queued,
    LeaderboardEntry? Best,
    IReadOnlyList<OrientExperiment> Failures,
    IReadOnlyList<MessageRecord> Unread,
    IReadOnlyList<OrientIdea> Suggested)
{
    /// <summary>For an agent reading its own orient: the turns, dollars and time it has left; null otherwise.</summary>
    public AgentBudget? Budget { get; init; }
}
