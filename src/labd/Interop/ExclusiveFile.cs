using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Labd.Interop;

/// <summary>
/// Creates a new file in a directory without following any symlink: the directory is pinned with
/// openat2(RESOLVE_NO_SYMLINKS), the file created with openat(O_CREAT|O_EXCL|O_NOFOLLOW), then
/// fchown/fchmod on the descriptor. Used where root writes into a directory a user controls.
/// </summary>
internal static partial class ExclusiveFile
{
    internal const int O_WRONLY = 0x1;
    internal const int O_CREAT = 0x40;
    internal const int O_EXCL = 0x80;
    internal const int O_NOFOLLOW = 0x20000;
    internal const int O_CLOEXEC = 0x80000;
    internal const int EEXIST = 17;

    /// <summary>Writes <paramref name="content"/> to a new <paramref name="directory"/>/<paramref name="name"/> owned by
    /// uid:gid with <paramref name="mode"/>. Returns false, writing nothing, when the name exists (file, symlink or anything).</summary>
    public static bool TryCreate(string directory, string name, ReadOnlySpan<byte> content, int uid, int gid, UnixFileMode mode)
    {
        if (name.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException("a plain file name is required", nameof(name));
        }
        using var dir = OpenAt2.TryOpenPathNoSymlinks(directory, inheritable: false, out var errno)
            ?? throw new System.ComponentModel.Win32Exception(errno, $"openat2({directory}): {Marshal.GetPInvokeErrorMessage(errno)}");
        int fd;
        while ((fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0)) < 0)
        {
            var error = Marshal.GetLastPInvokeError();
            if (error == EEXIST)
            {
                return false;
            }
            if (error != Errno.EINTR)
            {
                throw new System.ComponentModel.Win32Exception(error, $"openat({directory}/{name}): {Marshal.GetPInvokeErrorMessage(error)}");
            }
        }
        using var file = new SafeFileHandle(fd, ownsHandle: true);
        Errno.Check(() => fchown(file, uid, gid), $"fchown({directory}/{name})");
        Errno.Check(() => fchmod(file, (uint)mode), $"fchmod({directory}/{name})");
        RandomAccess.Write(file, content, 0);
        return true;
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int openat(SafeHandle dirfd, string path, int flags, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fchown(SafeHandle fd, int uid, int gid);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fchmod(SafeHandle fd, uint mode);
}
