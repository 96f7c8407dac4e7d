using System.Runtime.InteropServices;

namespace Labd.Interop;

/// <summary>Signals by number: kill(2) for what <see cref="System.Diagnostics.Process.Kill()"/> cannot
/// send (supervisor, sandbox chain, labd itself in tests), and the disposition labd inherits.</summary>
internal static partial class Signals
{
    public const int SIGHUP = 1;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int SIGCONT = 18;

    /// <summary>Sends <paramref name="signal"/>; false when the process no longer exists.</summary>
    public static bool Send(int pid, int signal)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pid);
        if (Kill(pid, signal) == 0)
        {
            return true;
        }
        if (Marshal.GetLastPInvokeError() == Errno.ESRCH)
        {
            return false;
        }
        throw Errno.Last($"kill({pid}, {signal})");
    }

    /// <summary>
    /// Restores the default disposition of <paramref name="signal"/>. A parent that ignored it
    /// (nohup ignores SIGHUP; a non-interactive shell's `&amp;` ignores SIGINT) passes SIG_IGN
    /// on through exec, and .NET then never delivers it to a PosixSignalRegistration: labd would
    /// silently stop reloading on SIGHUP. Call before registering.
    /// </summary>
    public static void RestoreDefault(int signal) => _ = SetDisposition(signal, IntPtr.Zero);

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial IntPtr SetDisposition(int signal, IntPtr handler);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
