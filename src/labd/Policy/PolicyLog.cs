namespace Labd.Policy;

/// <summary>Policy log messages. Event ids 4xxx are stable; never reuse a retired id.</summary>
internal static partial class PolicyLog
{
    [LoggerMessage(4000, LogLevel.Information, "Loaded {Count} policies from {PolicySource} (generation {Generation})")]
    public static partial void Loaded(ILogger logger, int count, string policySource, long generation);

    [LoggerMessage(4001, LogLevel.Warning, "Policy directory {PolicyDir} does not exist: using embedded default policies; create {PolicyDir} to override")]
    public static partial void UsingEmbedded(ILogger logger, string policyDir);

    [LoggerMessage(4002, LogLevel.Error, "{File}:{Line}:{Column}: error {Code}: {Message}")]
    public static partial void PolicyError(ILogger logger, string file, int line, int column, string code, string message);

    [LoggerMessage(4003, LogLevel.Warning, "{File}:{Line}:{Column}: warning {Code}: {Message}")]
    public static partial void PolicyWarning(ILogger logger, string file, int line, int column, string code, string message);

    [LoggerMessage(4004, LogLevel.Error, "Policy reload from {PolicySource} rejected with {ErrorCount} errors; generation {Generation} stays in force")]
    public static partial void ReloadRejected(ILogger logger, string policySource, int errorCount, long generation);

    [LoggerMessage(4005, LogLevel.Information, "Policy {Policy} {Change}: {OldHash} -> {NewHash}")]
    public static partial void PolicyChanged(ILogger logger, string policy, string change, string oldHash, string newHash);

    [LoggerMessage(4006, LogLevel.Information, "Policies reloaded from {PolicySource}: generation {Generation}, {Count} policies, {ChangeCount} changed")]
    public static partial void Reloaded(ILogger logger, string policySource, long generation, int count, int changeCount);

    [LoggerMessage(4007, LogLevel.Error, "Policy reload from {PolicySource} rejected: labs use policies it removes: {Labs}; generation {Generation} stays in force")]
    public static partial void ReloadRejectedInUse(ILogger logger, string policySource, string labs, long generation);

    [LoggerMessage(4008, LogLevel.Information, "Lab {Lab} moved from policy {Previous} to {Policy} by uid {Uid}")]
    public static partial void LabPolicySet(ILogger logger, string lab, string previous, string policy, int uid);
}
