using System.Runtime.InteropServices;

namespace Labctl;

/// <summary>
/// A parent that ignored a signal (a non-interactive shell's <c>&amp;</c> ignores SIGINT; nohup
/// SIGHUP) passes SIG_IGN on through exec, and .NET then never delivers it to a
/// PosixSignalRegistration: Ctrl-C would not cancel a run. Restore the default first.
/// </summary>
internal static partial class SignalDisposition
{
    public const int SIGINT = 2;
    public const int SIGTERM = 15;

    public static void RestoreDefault(int signal) => _ = SetDisposition(signal, IntPtr.Zero);

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial IntPtr SetDisposition(int signal, IntPtr handler);
}
