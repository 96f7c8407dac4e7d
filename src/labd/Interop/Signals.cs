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

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
