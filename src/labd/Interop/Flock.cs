using System.Runtime.InteropServices;

namespace Labd.Interop;

/// <summary>flock(2): the supervisor holds an exclusive lock on its run's lock file for its
/// whole life, so anyone can tell after a labd restart whether it is still alive.</summary>
internal static partial class Flock
{
    internal const int LOCK_EX = 2;
    internal const int LOCK_NB = 4;

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

    [LibraryImport("libc", SetLastError = true)]
    private static partial int flock(SafeHandle fd, int operation);
}
