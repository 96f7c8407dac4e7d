using System.Text.Json;
using Labd.Protocol;
using Labd.Tracker;
using Microsoft.Data.Sqlite;

namespace Labd.Agents;

/// <summary>A row of <c>agents</c>: the wire record's fields plus what stays inside labd (the
/// output format, the owner's uid, who started it).</summary>
internal sealed record AgentRow(
    long Id,
    string Lab,
    string Role,
    string Kind,
    IReadOnlyList<string> Command,
    string Output,
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
    int OwnerUid,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? NextTurnAt,
    DateTimeOffset? EndedAt,
    int Failures,
    int MaxFailures)
{
    public const string Columns = """
        id, lab_id, role, kind, command, output, status, reason, interval_s, max_turns, budget_usd, until,
        turns, cost_usd, input_tokens, output_tokens, branch, worktree, policy, owner_uid, created_by, created_at, next_turn_at, ended_at,
        failures, max_failures
        """;

    public bool IsActive => Status is AgentRecord.Running or AgentRecord.Stopping;

    public string Actor => "agent:" + Db.Text(Id);

    public static AgentRow Read(SqliteDataReader r) => new(
        r.GetInt64(0),
        r.GetString(1),
        r.GetString(2),
        r.GetString(3),
        JsonSerializer.Deserialize(r.GetString(4), AgentsJsonContext.Default.ListString) ?? [],
        r.GetString(5),
        r.GetString(6),
        Db.StringOrNull(r, 7),
        r.IsDBNull(8) ? null : r.GetInt32(8),
        r.IsDBNull(9) ? null : r.GetInt32(9),
        r.IsDBNull(10) ? null : r.GetDouble(10),
        Db.TimeOrNull(r, 11),
        r.GetInt32(12),
        r.GetDouble(13),
        r.GetInt64(14),
        r.GetInt64(15),
        r.GetString(16),
        r.GetString(17),
        r.GetString(18),
        r.GetInt32(19),
        r.GetString(20),
        Db.Time(r, 21),
        Db.TimeOrNull(r, 22),
        Db.TimeOrNull(r, 23),
        r.GetInt32(24),
        r.GetInt32(25));

    public AgentRecord ToRecord(string owner, AgentTurnRecord? current, IReadOnlyList<AgentTurnRecord>? recent = null) =>
        new(Id, Lab, Role, Kind, Command, Status, Reason, IntervalSeconds, MaxTurns, BudgetUsd, Until, Turns, CostUsd, InputTokens, OutputTokens,
            Branch, Worktree, Policy, owner, CreatedAt, NextTurnAt, EndedAt, current)
        {
            RecentTurns = recent ?? [],
            ConsecutiveFailures = Failures,
            MaxFailures = MaxFailures,
        };
}
