namespace Labd.Runs;

/// <summary>Log messages of the runs API (event ids 5xxx). <c>Run</c> becomes LABD_RUN in the journal.</summary>
internal static partial class RunLog
{
    [LoggerMessage(5000, LogLevel.Information, "Run {Run} started by uid {Uid} under policy {Policy} ({PolicyHash}): {Command}")]
    public static partial void Started(ILogger logger, string run, int uid, string policy, string policyHash, string command);

    [LoggerMessage(5001, LogLevel.Information, "Run {Run} ended: {Outcome} (exit code {ExitCode})")]
    public static partial void Ended(ILogger logger, string run, string outcome, int? exitCode);

    [LoggerMessage(5002, LogLevel.Information, "Re-adopted {Count} runs ({Live} still going)")]
    public static partial void Readopted(ILogger logger, int count, int live);

    [LoggerMessage(5003, LogLevel.Warning, "Run {Run}: egress not re-opened after restart: {Reason}")]
    public static partial void EgressNotReopened(ILogger logger, string run, string reason);

    [LoggerMessage(5004, LogLevel.Error, "Sandboxed runs are unavailable: {Reason}")]
    public static partial void Unavailable(ILogger logger, Exception exception, string reason);

    [LoggerMessage(5005, LogLevel.Information, "Run {Run} cancelled by uid {Uid}")]
    public static partial void Cancelled(ILogger logger, string run, int uid);

    [LoggerMessage(5006, LogLevel.Warning, "Run {Run} refused: {Reason}")]
    public static partial void Refused(ILogger logger, string run, string reason);

    [LoggerMessage(5007, LogLevel.Warning, "Run {Run}: could not hand {Directory} back to its owner: {Reason}")]
    public static partial void TreeNotReturned(ILogger logger, string run, string directory, string reason);

    [LoggerMessage(5008, LogLevel.Critical, "LABD_TEST_GPU_LEASE_BYPASS is set: GPU leases are neither checked nor recorded (a test's negative control; never in production)")]
    public static partial void GpuLeaseBypassed(ILogger logger);
}
