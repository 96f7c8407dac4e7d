using System.ComponentModel;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Labd.Interop;

/// <summary>File-descriptor flags (fcntl(2)).</summary>
internal static partial class Fds
{
    internal const int FDupFdCloExec = 1030;
    internal const int FGetFd = 1;
    internal const int FSetFd = 2;
    internal const int FdCloExec = 1;

    /// <summary>
    /// Marks every descriptor ≥ 3 that this process inherited close-on-exec, so nothing labd
    /// was handed (systemd's listen fds, a test's pipes) leaks into children it spawns.
    /// </summary>
    public static IReadOnlyList<int> MarkInheritedCloseOnExec()
    {
        var marked = new List<int>();
        foreach (var entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var fd) || fd < 3)
            {
                continue;
            }
            try
            {
                SetCloseOnExec(fd);
                marked.Add(fd);
            }
            catch (Win32Exception e) when (e.NativeErrorCode == Errno.EBADF)
            {
                // The directory handle used for enumeration itself is gone by now.
            }
        }
        return marked;
    }

    public static void SetCloseOnExec(int fd)
    {
        var flags = Errno.Check(() => Fcntl(fd, FGetFd, 0), $"fcntl({fd}, F_GETFD)");
        Errno.Check(() => Fcntl(fd, FSetFd, flags | FdCloExec), $"fcntl({fd}, F_SETFD)");
    }

    public static bool IsCloseOnExec(int fd) =>
        (Errno.Check(() => Fcntl(fd, FGetFd, 0), $"fcntl({fd}, F_GETFD)") & FdCloExec) != 0;

    /// <summary>Duplicates <paramref name="fd"/> onto a new close-on-exec descriptor ≥ 3.</summary>
    public static int DuplicateCloseOnExec(int fd) =>
        Errno.Check(() => Fcntl(fd, FDupFdCloExec, 3), $"fcntl({fd}, F_DUPFD_CLOEXEC)");

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int cmd, int arg);
}
