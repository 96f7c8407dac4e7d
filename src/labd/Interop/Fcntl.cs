using System.Runtime.InteropServices;

namespace Labd.Interop;

/// <summary>fcntl(2) F_SETFD and close_range(2): control which descriptors a child inherits.</summary>
internal static partial class Fcntl
{
    internal const int F_SETFD = 2;
    internal const uint CLOSE_RANGE_CLOEXEC = 1u << 2;

    /// <summary>Clears FD_CLOEXEC so that the descriptor survives exec into the sandbox chain.</summary>
    public static void MakeInheritable(SafeHandle fd)
    {
        if (fcntl(fd, F_SETFD, 0) < 0)
        {
            throw Errno.Last("fcntl(F_SETFD)");
        }
    }

    /// <summary>Duplicates <paramref name="fd"/> onto the lowest free number ≥ <paramref name="minimum"/>
    /// without FD_CLOEXEC (F_DUPFD). Used by the escape suite to plant an inherited descriptor.</summary>
    public static int DuplicateInheritable(SafeHandle fd, int minimum)
    {
        const int F_DUPFD = 0;
        var result = fcntl(fd, F_DUPFD, minimum);
        return result < 0 ? throw Errno.Last("fcntl(F_DUPFD)") : result;
    }

    /// <summary>
    /// Marks every descriptor from 3 up as close-on-exec, so that nothing labd inherited
    /// (the escape suite plants fd 7 on a canary) reaches a sandbox. Needs Linux 5.11.
    /// </summary>
    public static void MarkAllCloseOnExecFrom3()
    {
        if (close_range(3, uint.MaxValue, CLOSE_RANGE_CLOEXEC) < 0)
        {
            throw Errno.Last("close_range(CLOSE_RANGE_CLOEXEC)");
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(SafeHandle fd, int cmd, int arg);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close_range(uint first, uint last, uint flags);
}
