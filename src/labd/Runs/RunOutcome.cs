namespace Labd.Runs;

/// <summary>How a run ended.</summary>
internal enum RunOutcome
{
    /// <summary>The target exited on its own; see <see cref="RunExit.ExitCode"/>.</summary>
    Exited,
    TimedOut,
    Cancelled,
    /// <summary>The sandbox was refused before the target started (e.g. a symlink at a policy path).</summary>
    SetupFailed,
    /// <summary>The supervisor died without recording an exit (e.g. the host rebooted).</summary>
    Lost,
}
