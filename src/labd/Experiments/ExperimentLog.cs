namespace Labd.Experiments;

/// <summary>Log messages of experiments and the GPU scheduler (event ids 7xxx). <c>Experiment</c> becomes LABD_EXPERIMENT.</summary>
internal static partial class ExperimentLog
{
    [LoggerMessage(7100, LogLevel.Information, "Experiment {Experiment} ({Id}) in lab {Lab} queued by {Submitter}: {Command}")]
    public static partial void Submitted(ILogger logger, string experiment, long id, string lab, string submitter, string command);

    [LoggerMessage(7101, LogLevel.Information, "Experiment {Experiment} ({Id}) starting as run {Run} on GPUs [{Gpus}]")]
    public static partial void Starting(ILogger logger, string experiment, long id, string run, string gpus);

    [LoggerMessage(7102, LogLevel.Information, "Experiment {Experiment} ({Id}) ended: {Status} {Reason}")]
    public static partial void Ended(ILogger logger, string experiment, long id, string status, string? reason);

    [LoggerMessage(7103, LogLevel.Warning, "Experiment {Experiment} ({Id}): run {Run} never started before labd stopped; queued again")]
    public static partial void Requeued(ILogger logger, string experiment, long id, string run);

    [LoggerMessage(7104, LogLevel.Warning, "nvidia-smi failed ({Reason}); GPUs are treated as free of processes labd did not start")]
    public static partial void NvidiaSmiFailed(ILogger logger, string reason);

    [LoggerMessage(7105, LogLevel.Error, "Experiment scheduler pass failed: {Reason}")]
    public static partial void PassFailed(ILogger logger, Exception exception, string reason);

    [LoggerMessage(7106, LogLevel.Warning, "Experiment {Experiment} ({Id}): could not hand its tree back: {Reason}")]
    public static partial void TreeNotReturned(ILogger logger, string experiment, long id, string reason);

    [LoggerMessage(7108, LogLevel.Information, "Collected {Trees} experiment trees and {Runs} run directories that ended more than {After} ago")]
    public static partial void Collected(ILogger logger, int trees, int runs, TimeSpan after);

    [LoggerMessage(7110, LogLevel.Information, "Collection of experiment trees and run directories is off (limits.collectAfter: 0)")]
    public static partial void CollectionOff(ILogger logger);

    [LoggerMessage(7109, LogLevel.Warning, "Could not collect {Path}: {Reason}")]
    public static partial void NotCollected(ILogger logger, string path, string reason);

    [LoggerMessage(7107, LogLevel.Information, "Re-adopted {Count} running experiments")]
    public static partial void Readopted(ILogger logger, int count);

    [LoggerMessage(7150, LogLevel.Warning, "The filesystem of {Directory} has no POSIX ACLs: labs' experiment trees and agents' worktrees stay 0711, reachable by other local users who guess a path; put labd's state directory on a filesystem with ACLs (ext4, xfs, btrfs, tmpfs)")]
    public static partial void LabDirectoryOpen(ILogger logger, string directory);

    [LoggerMessage(7111, LogLevel.Information, "Experiment {Id} stays queued: its GPUs were leased since the scheduler's pass began ({Reason})")]
    public static partial void LeaseRefused(ILogger logger, long id, string reason);
}
