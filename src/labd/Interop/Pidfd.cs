using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Labd.Interop;

/// <summary>
/// pidfd_open(2) and pidfd_send_signal(2) (Linux 5.3), called by syscall number so that a glibc
/// older than 2.36 (no wrappers) serves as well. A pidfd refers to one process, never to whatever
/// later reuses its pid: a signal sent through it after the process has gone fails with ESRCH.
/// </summary>
internal static partial class Pidfd
{
    // The same number on every architecture (the unified table from Linux 5.1 on).
    internal const long SysPidfdSendSignal = 424;
    internal const long SysPidfdOpen = 434;

    /// <summary>A pidfd for <paramref name="pid"/> (close-on-exec); null when no such process exists.</summary>
    public static SafeFileHandle? TryOpen(int pid)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pid);
        while (true)
        {
            var fd = PidfdOpen(SysPidfdOpen, pid, 0);
            if (fd >= 0)
            {
                return new SafeFileHandle((nint)fd, ownsHandle: true);
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.ESRCH)
            {
                return null;
            }
            if (errno != Errno.EINTR)
            {
                throw Errno.Last($"pidfd_open({pid})");
            }
        }
    }

    /// <summary>Sends <paramref name="signal"/> (0: only checks) to the pidfd's process; false when it
    /// has exited, whatever now holds its pid.</summary>
    public static bool Send(SafeFileHandle pidfd, int signal)
    {
        while (true)
        {
            if (PidfdSendSignal(SysPidfdSendSignal, pidfd, signal, 0, 0) == 0)
            {
                return true;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.ESRCH)
            {
                return false;
            }
            if (errno != Errno.EINTR)
            {
                throw Errno.Last($"pidfd_send_signal({signal})");
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long PidfdOpen(long number, int pid, uint flags);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long PidfdSendSignal(long number, SafeFileHandle pidfd, int signal, nint info, uint flags);
}
