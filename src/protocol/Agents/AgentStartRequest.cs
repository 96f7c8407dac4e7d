namespace Labd.Protocol;

/// <summary>
/// <c>POST /v1/agents</c>: start an agent session on a lab. Exactly one of <see cref="Kind"/>
/// (a name from labd.yaml's <c>agents</c>: claude, codex, or the admin's own; or from the lab
/// policy's mapping-form <c>agents</c>, whose argv then wins) and
/// <see cref="Command"/> (a custom argv, kind <c>custom</c>) is set. Without
/// <see cref="IntervalSeconds"/> the session runs one turn (<c>agent start</c>); with it, turns
/// start at each interval boundary until stopped or a budget is spent (<c>agent loop -d</c>).
/// <see cref="MaxFailures"/>: end the session after this many failed turns in a row (default 3).
/// The role's prompt file and a custom command's script are read from the tip of the lab's main
/// branch, so a start is refused (conflict) while they are uncommitted or differ from the working
/// tree, unless <see cref="AllowDirty"/>, which starts anyway and answers with warnings.
/// </summary>
public sealed record AgentStartRequest(
    string Lab,
    string? Kind,
    IReadOnlyList<string>? Command,
    string? Role,
    int? IntervalSeconds,
    int? MaxTurns,
    double? BudgetUsd,
    DateTimeOffset? Until,
    int? MaxFailures = null,
    bool? AllowDirty = null);
