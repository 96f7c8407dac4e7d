namespace Labd.Agents;

/// <summary>What <see cref="AgentStore.InsertAsync"/> records for a new session (all checked).</summary>
internal sealed record NewAgent(
    string Lab,
    string Role,
    string Kind,
    IReadOnlyList<string> Command,
    string Output,
    int? IntervalSeconds,
    int? MaxTurns,
    double? BudgetUsd,
    DateTimeOffset? Until,
    string Policy,
    int OwnerUid,
    string CreatedBy,
    int MaxFailures);
