using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Labd.Interop;

/// <summary>flock(2): the supervisor holds an exclusive lock on its run's lock file for its
/// whole life, so anyone can tell after a labd restart whether it is still alive.</summary>
internal static partial class Flock
{
    internal const int LOCK_EX = 2;
    internal const int LOCK_NB = 4;

    /// <summary>
    /// Opens (creating with mode 0600 if asked) a lock file with open(2) directly: FileStream
    /// emulates FileShare with flock on the same file, which would collide with the real lock.
    /// </summary>
    public static SafeFileHandle Open(string path, bool create)
    {
        const int O_RDWR = 2, O_CREAT = 0x40, O_NOFOLLOW = 0x20000, O_CLOEXEC = 0x80000;
        while (true)
        {
            var fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | (create ? O_CREAT : 0), 0b110_000_000);
            if (fd >= 0)
            {
                return new SafeFileHandle(fd, ownsHandle: true);
            }
            if (Marshal.GetLastPInvokeError() != Errno.EINTR)
            {
                throw Errno.Last($"open({path})");
            }
        }
    }

    /// <summary>Tries to take an exclusive lock without blocking; false when someone else holds it.</summary>
    public static bool TryLockExclusive(SafeHandle fd)
    {
        while (true)
        {
            if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            {
                return true;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EWOULDBLOCK)
            {
                return false;
            }
            if (errno != Errno.EINTR)
            {
                throw Errno.Last("flock");
            }
        }
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags, int mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int flock(SafeHandle fd, int operation);
}
