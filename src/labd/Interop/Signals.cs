using System.Runtime.InteropServices;

namespace Labd.Interop;

/// <summary>kill(2): signals by number, for what <see cref="System.Diagnostics.Process.Kill()"/> cannot send.</summary>
internal static partial class Signals
{
    public const int SIGHUP = 1;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    public static void Send(int pid, int signal) =>
        Errno.Check(() => Kill(pid, signal), $"kill({pid}, {signal})");

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
