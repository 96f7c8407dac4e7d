using System.Globalization;
using Labd.SandboxPolicy;

namespace Labd.Runs;

/// <summary>
/// The one line labd adds to a run's log, and the run's recorded message, when the target
/// ended other than by exiting 0: <c>exited with status 3</c>, <c>killed by SIGKILL (out of
/// memory: the run's memory limit is 8 GiB)</c>. Launch tools' own reports of the same exit
/// (rootlesskit's "child exited") are left out of the log: this line replaces them.
/// </summary>
internal static class RunEndText
{
    /// <summary>Prefix of the lines labd itself writes into a run's log.</summary>
    public const string LogPrefix = "[labd: ";

    /// <summary>Why a run ended, or null for exit status 0.</summary>
    public static string? Describe(RunOutcome outcome, int? code, bool oomKilled, long? memoryBytes, long? timeoutMilliseconds)
    {
        var memory = oomKilled
            ? $" (out of memory: the run's memory limit is {(memoryBytes is long bytes ? ValueParsers.FormatSize(bytes) : "the host's")})"
            : "";
        return outcome switch
        {
            RunOutcome.TimedOut => $"stopped: the run's timeout of {(timeoutMilliseconds is long ms ? ValueParsers.FormatDuration(TimeSpan.FromMilliseconds(ms)) : "its limit")} ran out{memory}",
            RunOutcome.Cancelled => "cancelled" + memory,
            RunOutcome.Exited when code is null or 0 && !oomKilled => null,
            RunOutcome.Exited when code is > 128 and <= 128 + 64 => $"killed by {Signal(code.Value - 128)}{memory}",
            RunOutcome.Exited when oomKilled => $"exited with status {code}{memory}",
            RunOutcome.Exited => $"exited with status {code}",
            _ => null,
        };
    }

    /// <summary>An exit status that says all there is: no signal, no OOM kill.</summary>
    public static bool IsPlainExit(RunOutcome outcome, int? code, bool oomKilled) =>
        outcome == RunOutcome.Exited && !oomKilled && code is not (> 128 and <= 128 + 64);

    /// <summary>rootlesskit's report of its child's exit, which <see cref="Describe"/> says better.</summary>
    public static bool IsToolExitReport(string line) =>
        (line.StartsWith("[rootlesskit:child ] error: command [", StringComparison.Ordinal) && line.Contains("] exited: ", StringComparison.Ordinal))
        || line.StartsWith("[rootlesskit:parent] error: child exited: ", StringComparison.Ordinal);

    private static string Signal(int number) => number switch
    {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        14 => "SIGALRM",
        15 => "SIGTERM",
        _ => "signal " + number.ToString(CultureInfo.InvariantCulture),
    };
}
