namespace Labd.Protocol;

/// <summary>
/// One agent session as <c>/v1/agents</c> reports it. <c>Status</c>: running (in a turn or
/// waiting for the next), stopping, stopped (by a person), finished (a budget or the turn count
/// was reached; <c>Reason</c> says which), failed (it could not start a turn; <c>Reason</c> says
/// why). <c>Kind</c> is the configured kind or <c>custom</c>. Credentials never appear here.
/// </summary>
public sealed record AgentRecord(
    long Id,
    string Lab,
    string Role,
    string Kind,
    IReadOnlyList<string> Command,
    string Status,
    string? Reason,
    int? IntervalSeconds,
    int? MaxTurns,
    double? BudgetUsd,
    DateTimeOffset? Until,
    int Turns,
    double CostUsd,
    long InputTokens,
    long OutputTokens,
    string Branch,
    string Worktree,
    string Policy,
    string Owner,
    DateTimeOffset CreatedAt,
    DateTimeOffset? NextTurnAt,
    DateTimeOffset? EndedAt,
    AgentTurnRecord? CurrentTurn)
{
    public const string Running = "running";
    public const string Stopping = "stopping";
    public const string Stopped = "stopped";
    public const string Finished = "finished";
    public const string Failed = "failed";

    /// <summary>The last turns, newest last (<c>agent show</c>; empty in lists).</summary>
    public IReadOnlyList<AgentTurnRecord> RecentTurns { get; init; } = [];

    /// <summary>Turns that failed since the last one that succeeded.</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>After this many failed turns in a row the session ends as failed, the last turn's reason in <see cref="Reason"/> (default 3).</summary>
    public int MaxFailures { get; init; } = DefaultMaxFailures;

    /// <summary>What the start allowed but the caller should know (only in the answer to a start, null
    /// when nothing): e.g. a prompt file that differs between main's tip and the working tree, under <c>allowDirty</c>.</summary>
    public IReadOnlyList<string>? Warnings { get; init; }

    public const int DefaultMaxFailures = 3;
}

/// <summary>One turn: one run of the agent CLI in the agent's sandbox. <c>Status</c>: running,
/// succeeded (exit 0, and for Claude a result event that is no error), failed, stopped. Cost and
/// tokens where the agent CLI reported them. <see cref="Reason"/>: why it failed or stopped.</summary>
public sealed record AgentTurnRecord(
    long Agent,
    int Number,
    string? RunId,
    string Status,
    int? ExitCode,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    double? CostUsd,
    long? InputTokens,
    long? OutputTokens)
{
    /// <summary>Why the turn failed or stopped: Claude's result error (e.g. "API Error: Invalid API
    /// key"), else the exit status and the last line of output; null when it succeeded or runs.</summary>
    public string? Reason { get; init; }
}

/// <summary><c>POST /v1/agents/{id}/stop</c>: SIGTERM to the current turn, <c>GraceSeconds</c>
/// (default 10) to end, then SIGKILL of the whole sandbox.</summary>
public sealed record AgentStopRequest(int? GraceSeconds);

/// <summary>What an agent has left, in its own <c>orient</c>: null members are not limited.</summary>
public sealed record AgentBudget(long Agent, int Turn, int? TurnsLeft, double? UsdLeft, double CostUsd, DateTimeOffset? Until);
