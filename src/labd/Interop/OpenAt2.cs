using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Labd.Interop;

/// <summary>
/// openat2(2) with RESOLVE_NO_SYMLINKS: opens a path as an O_PATH descriptor and fails with
/// ELOOP if any component (including the last) is a symbolic link. Used to pin bind sources
/// so that a symlink an agent planted at a policy path is never followed (escape suite B5/B6).
/// glibc 2.36 has no wrapper, so the raw syscall is used.
/// </summary>
internal static partial class OpenAt2
{
    internal const long SYS_openat2 = 437;
    internal const int AT_FDCWD = -100;
    internal const ulong O_PATH = 0x200000;
    internal const ulong O_CLOEXEC = 0x80000;
    internal const ulong RESOLVE_NO_MAGICLINKS = 0x02;
    internal const ulong RESOLVE_NO_SYMLINKS = 0x04;
    internal const ulong RESOLVE_IN_ROOT = 0x10;
    internal const ulong O_DIRECTORY = 0x10000;

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    /// <summary>Returns the pinned descriptor, or the errno (ENOENT, ELOOP, ENOTDIR, ...) as a value.</summary>
    public static SafeFileHandle? TryOpenPathNoSymlinks(string absolutePath, bool inheritable, out int errno)
    {
        if (!Path.IsPathRooted(absolutePath))
        {
            throw new ArgumentException("path must be absolute", nameof(absolutePath));
        }
        return Open(AT_FDCWD, absolutePath, new OpenHow
        {
            // No O_NOFOLLOW: with O_PATH|O_NOFOLLOW openat2 returns a descriptor *of* a trailing
            // symlink instead of failing (openat2(2)); RESOLVE_NO_SYMLINKS alone refuses it too.
            Flags = O_PATH | (inheritable ? 0 : O_CLOEXEC),
            Resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        }, out errno);
    }

    /// <summary>The root directory of process <paramref name="pid"/> (its <c>/proc/PID/root</c>,
    /// which leads into that process's mount namespace), as a close-on-exec O_PATH descriptor.</summary>
    public static SafeFileHandle? TryOpenRootOf(int pid, out int errno) =>
        Open(AT_FDCWD, $"/proc/{pid}/root", new OpenHow { Flags = O_PATH | O_DIRECTORY | O_CLOEXEC }, out errno);

    /// <summary>Opens <paramref name="path"/> as if <paramref name="root"/> were "/" (RESOLVE_IN_ROOT),
    /// following no symlink on the way (close-on-exec O_PATH).</summary>
    public static SafeFileHandle? TryOpenInRoot(SafeFileHandle root, string path, out int errno)
    {
        var dirfd = (int)root.DangerousGetHandle();
        return Open(dirfd, path, new OpenHow { Flags = O_PATH | O_CLOEXEC, Resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS }, out errno);
    }

    private static SafeFileHandle? Open(int dirfd, string path, OpenHow how, out int errno)
    {
        while (true)
        {
            var fd = syscall(SYS_openat2, dirfd, path, ref how, (nuint)Marshal.SizeOf<OpenHow>());
            if (fd >= 0)
            {
                errno = 0;
                return new SafeFileHandle(checked((IntPtr)fd), ownsHandle: true);
            }
            errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.EINTR)
            {
                return null;
            }
        }
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial long syscall(long number, int dirfd, string path, ref OpenHow how, nuint size);
}
