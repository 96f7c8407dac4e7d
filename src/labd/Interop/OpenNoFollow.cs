using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Labd.Interop;

/// <summary>open(2) read-only with O_NOFOLLOW | O_NONBLOCK: a symlink at the last component
/// fails (ELOOP), a FIFO opens without waiting for a writer. Callers check it is a regular file.</summary>
internal static partial class OpenNoFollow
{
    internal const int O_RDONLY = 0;
    internal const int O_NONBLOCK = 0x800;
    internal const int O_NOFOLLOW = 0x20000;
    internal const int O_CLOEXEC = 0x80000;

    public static SafeFileHandle ReadOnly(string path)
    {
        while (true)
        {
            var fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
            if (fd >= 0)
            {
                return new SafeFileHandle(fd, ownsHandle: true);
            }
            if (Marshal.GetLastPInvokeError() != Errno.EINTR)
            {
                throw Errno.Last($"open({path}, O_NOFOLLOW)");
            }
        }
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);
}
