using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Labd.Interop;

/// <summary>memfd_create(2) and lseek(2): anonymous in-memory files used to hand bwrap its
/// arguments (<c>--args FD</c>) and the seccomp program (<c>--seccomp FD</c>).</summary>
internal static partial class MemfdCreate
{
    /// <summary>Creates a memfd. Without MFD_CLOEXEC the descriptor is inherited by children;
    /// pass <paramref name="inheritable"/> only in the single-purpose supervisor process.</summary>
    public static SafeFileHandle Create(string name, bool inheritable)
    {
        const uint MFD_CLOEXEC = 1;
        var fd = memfd_create(name, inheritable ? 0 : MFD_CLOEXEC);
        if (fd < 0)
        {
            throw Errno.Last("memfd_create");
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>Writes <paramref name="content"/> at offset 0 without moving the file offset,
    /// so the reader starts at the beginning.</summary>
    public static SafeFileHandle CreateWithContent(string name, ReadOnlySpan<byte> content, bool inheritable)
    {
        var handle = Create(name, inheritable);
        RandomAccess.Write(handle, content, 0);
        return handle;
    }

    public static void Rewind(SafeFileHandle handle)
    {
        if (lseek(handle, 0, 0) < 0)
        {
            throw Errno.Last("lseek");
        }
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int memfd_create(string name, uint flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial long lseek(SafeFileHandle fd, long offset, int whence);
}
