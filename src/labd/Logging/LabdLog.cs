namespace Labd.Logging;

/// <summary>
/// labd's own log messages. Event ids are stable (1xxx hosting, 2xxx api, 3xxx store) so
/// alerts can match on them; never reuse a retired id.
/// </summary>
internal static partial class LabdLog
{
    [LoggerMessage(1000, LogLevel.Information, "labd {Version} listening on {Socket} (state in {StateDir})")]
    public static partial void Started(ILogger logger, string version, string socket, string stateDir);

    [LoggerMessage(1001, LogLevel.Information, "Using the socket passed by systemd (socket activation)")]
    public static partial void SocketActivated(ILogger logger);

    [LoggerMessage(1002, LogLevel.Information, "Reloading configuration from {ConfigPath}")]
    public static partial void Reloading(ILogger logger, string configPath);

    [LoggerMessage(1003, LogLevel.Error, "Configuration reload failed; the previous configuration stays in force: {Reason}")]
    public static partial void ReloadFailed(ILogger logger, string reason);

    [LoggerMessage(1004, LogLevel.Information, "Stopping")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(1005, LogLevel.Warning, "Could not notify systemd: {Reason}")]
    public static partial void NotifyFailed(ILogger logger, string reason);

    [LoggerMessage(1006, LogLevel.Information, "Watchdog enabled: pinging every {IntervalMs} ms")]
    public static partial void WatchdogEnabled(ILogger logger, long intervalMs);

    [LoggerMessage(1007, LogLevel.Debug, "Marked inherited descriptors close-on-exec: {Fds}")]
    public static partial void InheritedFds(ILogger logger, string fds);

    [LoggerMessage(1008, LogLevel.Warning, "labd.yaml now names another socket or state dir; still using {Socket} and {StateDir} until labd restarts")]
    public static partial void RestartNeeded(ILogger logger, string socket, string stateDir);

    [LoggerMessage(1020, LogLevel.Information, "State directory {StateDir} is a nosuid,nodev mount ({How})")]
    public static partial void StateMounted(ILogger logger, string stateDir, string how);

    [LoggerMessage(1021, LogLevel.Warning, "State directory {StateDir} is not a nosuid,nodev mount: {Reason}")]
    public static partial void StateNotProtected(ILogger logger, string stateDir, string reason);

    [LoggerMessage(2000, LogLevel.Error, "Unhandled error in {Method} {Path}")]
    public static partial void UnhandledError(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(2001, LogLevel.Warning, "Refused uid {Uid}: {Reason}")]
    public static partial void Refused(ILogger logger, int uid, string reason);

    [LoggerMessage(3000, LogLevel.Information, "Store at {Database}: schema version {Version}")]
    public static partial void StoreOpened(ILogger logger, string database, int version);

    [LoggerMessage(3001, LogLevel.Information, "Applied store migration {Version}: {Name}")]
    public static partial void MigrationApplied(ILogger logger, int version, string name);
}
