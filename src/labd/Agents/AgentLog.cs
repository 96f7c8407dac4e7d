namespace Labd.Agents;

/// <summary>Log messages of agent sessions (event ids 8xxx). <c>Agent</c> becomes LABD_AGENT and
/// <c>Lab</c> LABD_LAB in the journal. Never a credential, never a prompt.</summary>
internal static partial class AgentLog
{
    [LoggerMessage(8000, LogLevel.Information, "Agent {Agent} ({Kind}, role {Role}) started in lab {Lab} by {CreatedBy}")]
    public static partial void Started(ILogger logger, long agent, string lab, string kind, string role, string createdBy);

    [LoggerMessage(8001, LogLevel.Information, "Agent {Agent} turn {Turn} starting as run {Run}")]
    public static partial void TurnStarting(ILogger logger, long agent, int turn, string run);

    [LoggerMessage(8002, LogLevel.Information, "Agent {Agent} turn {Turn} ended: {Status} (exit code {ExitCode}) {Reason}")]
    public static partial void TurnEnded(ILogger logger, long agent, int turn, string status, int? exitCode, string? reason);

    [LoggerMessage(8003, LogLevel.Information, "Agent {Agent} stop requested by {Actor}")]
    public static partial void StopRequested(ILogger logger, long agent, string actor);

    [LoggerMessage(8004, LogLevel.Information, "Agent {Agent} ended: {Status} {Reason}")]
    public static partial void Ended(ILogger logger, long agent, string status, string? reason);

    [LoggerMessage(8005, LogLevel.Warning, "Agent {Agent} turn {Turn}: the worktree was not handed back or committed: {Reason}")]
    public static partial void WorktreeNotSaved(ILogger logger, long agent, int turn, string reason);

    [LoggerMessage(8006, LogLevel.Information, "Re-adopted {Count} agent sessions")]
    public static partial void Readopted(ILogger logger, int count);

    [LoggerMessage(8007, LogLevel.Warning, "Agent {Agent} turn {Turn}: run {Run} never launched before labd stopped; the turn failed")]
    public static partial void TurnLost(ILogger logger, long agent, int turn, string run);

    [LoggerMessage(8008, LogLevel.Error, "Agent {Agent}: its loop failed: {Reason}")]
    public static partial void LoopFailed(ILogger logger, Exception exception, long agent, string reason);

    [LoggerMessage(8009, LogLevel.Information, "Agent {Agent} turn {Turn}: committed {Commit} on {Branch}")]
    public static partial void Snapshotted(ILogger logger, long agent, int turn, string commit, string branch);

    [LoggerMessage(8010, LogLevel.Warning, "Agent {Agent} turn {Turn} deferred until {RetryAt}: {Reason}")]
    public static partial void TurnDeferred(ILogger logger, long agent, int turn, string reason, DateTimeOffset retryAt);
}
