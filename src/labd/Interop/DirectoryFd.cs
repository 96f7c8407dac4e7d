using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Labd.Interop;

/// <summary>
/// Descriptor-relative file operations (openat(2), mkdirat(2), symlinkat(2), readlinkat(2),
/// statx(2) with AT_EMPTY_PATH, readdir(3)) for walking and writing trees an agent controls:
/// every name is one component resolved beneath an already-open directory, with O_NOFOLLOW,
/// so a symlink planted anywhere is never followed.
/// </summary>
internal static partial class DirectoryFd
{
    internal const int O_RDONLY = 0;
    internal const int O_WRONLY = 1;
    internal const int O_CREAT = 0x40;
    internal const int O_EXCL = 0x80;
    internal const int O_NOCTTY = 0x100;
    internal const int O_NONBLOCK = 0x800;
    internal const int O_DIRECTORY = 0x10000;
    internal const int O_NOFOLLOW = 0x20000;
    internal const int O_CLOEXEC = 0x80000;
    internal const int AtEmptyPath = 0x1000;
    internal const int EEXIST = 17;
    internal const int TypeDirectory = 0x4000;
    internal const int TypeRegular = 0x8000;
    internal const int TypeSymlink = 0xA000;
    internal const int GidOffset = 0x18;
    internal const int SizeOffset = 0x28;
    internal const uint StatxBasic = 0x7FF;

    /// <summary>What statx says about one file.</summary>
    internal readonly record struct Status(int Mode, int Uid, int Gid, long Size)
    {
        public int Type => Mode & FileStatus.TypeMask;
    }

    /// <summary>Opens <paramref name="name"/> beneath <paramref name="directory"/>; returns null with the errno on failure.</summary>
    public static SafeFileHandle? TryOpen(SafeHandle directory, string name, int flags, int mode, out int errno)
    {
        while (true)
        {
            var fd = openat(directory, name, flags | O_CLOEXEC, mode);
            if (fd >= 0)
            {
                errno = 0;
                return new SafeFileHandle(fd, ownsHandle: true);
            }
            errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.EINTR)
            {
                return null;
            }
        }
    }

    /// <summary>Opens a directory by absolute path refusing symlinks in every component (openat2 RESOLVE_NO_SYMLINKS).</summary>
    public static SafeFileHandle OpenDirectoryNoSymlinks(string absolutePath)
    {
        using var pinned = OpenAt2.TryOpenPathNoSymlinks(absolutePath, inheritable: false, out var errno)
            ?? throw new IOException($"{absolutePath}: {Marshal.GetPInvokeErrorMessage(errno)}{(errno == Errno.ELOOP ? " (a path component is a symlink)" : "")}");
        return TryOpen(pinned, ".", O_RDONLY | O_DIRECTORY, 0, out errno)
            ?? throw new IOException($"{absolutePath}: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    /// <summary>statx of <paramref name="name"/> beneath <paramref name="directory"/> without following a symlink; null when it is gone.</summary>
    public static unsafe Status? TryStat(SafeHandle directory, string name)
    {
        var buffer = stackalloc byte[FileStatus.StatxSize];
        int result;
        do
        {
            result = statx(directory, name, FileStatus.AtSymlinkNoFollow, StatxBasic, buffer);
        }
        while (result < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR);
        return result < 0 ? null : Read(buffer);
    }

    /// <summary>fstat of an open descriptor.</summary>
    public static unsafe Status Stat(SafeHandle file)
    {
        var buffer = stackalloc byte[FileStatus.StatxSize];
        Errno.Check(() => statx(file, "", AtEmptyPath, StatxBasic, buffer), "statx(fd)");
        return Read(buffer);
    }

    /// <summary>Status of an absolute path itself (a trailing symlink is not followed); null when it does not exist.</summary>
    public static Status? TryStat(string absolutePath)
    {
        using var cwd = new SafeFileHandle(FileStatus.AtFdCwd, ownsHandle: false);
        return TryStat(cwd, absolutePath);
    }

    public static void MakeDirectory(SafeHandle directory, string name, int mode) =>
        Errno.Check(() => mkdirat(directory, name, mode), $"mkdirat({name})");

    public static void MakeSymlink(SafeHandle directory, string name, byte[] target)
    {
        var terminated = new byte[target.Length + 1];
        target.CopyTo(terminated, 0);
        Errno.Check(() => symlinkat(terminated, directory, name), $"symlinkat({name})");
    }

    public static void ChangeMode(SafeHandle file, int mode) => Errno.Check(() => fchmod(file, mode), "fchmod");

    /// <summary>The link text of symlink <paramref name="name"/> beneath <paramref name="directory"/>, as bytes.</summary>
    public static unsafe byte[] ReadLink(SafeHandle directory, string name)
    {
        var buffer = new byte[4096];
        fixed (byte* p = buffer)
        {
            var p1 = p;
            var length = Errno.Check(() => (int)readlinkat(directory, name, p1, buffer.Length), $"readlinkat({name})");
            return buffer.AsSpan(0, length).ToArray();
        }
    }

    /// <summary>The entry names of an open directory (not "." or ".."); names that are not valid UTF-8 are reported in <paramref name="undecodable"/>.</summary>
    public static unsafe List<string> ReadNames(SafeHandle directory, out int undecodable)
    {
        undecodable = 0;
        var names = new List<string>();
        using var duplicate = new SafeFileHandle(Fds.DuplicateCloseOnExec((int)directory.DangerousGetHandle()), ownsHandle: false);
        var dir = fdopendir((int)duplicate.DangerousGetHandle());
        if (dir == IntPtr.Zero)
        {
            throw Errno.Last("fdopendir");
        }
        try
        {
            var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
            while (true)
            {
                Marshal.SetLastPInvokeError(0);
                var entry = readdir(dir);
                if (entry == null)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    return errno == 0 ? names : throw Errno.Last("readdir");
                }
                // struct dirent64 on Linux: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name.
                var name = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(entry + 19);
                if (name.SequenceEqual("."u8) || name.SequenceEqual(".."u8))
                {
                    continue;
                }
                try
                {
                    names.Add(strict.GetString(name));
                }
                catch (DecoderFallbackException)
                {
                    undecodable++;
                }
            }
        }
        finally
        {
            // closedir closes the duplicated descriptor.
            _ = closedir(dir);
        }
    }

    private static unsafe Status Read(byte* buffer)
    {
        var span = new ReadOnlySpan<byte>(buffer, FileStatus.StatxSize);
        return new Status(
            BinaryPrimitives.ReadUInt16LittleEndian(span[FileStatus.ModeOffset..]),
            (int)BinaryPrimitives.ReadUInt32LittleEndian(span[0x14..]),
            (int)BinaryPrimitives.ReadUInt32LittleEndian(span[GidOffset..]),
            (long)BinaryPrimitives.ReadUInt64LittleEndian(span[SizeOffset..]));
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int openat(SafeHandle dirfd, string path, int flags, int mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int statx(SafeHandle dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mkdirat(SafeHandle dirfd, string path, int mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int symlinkat(byte[] target, SafeHandle dirfd, string path);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial nint readlinkat(SafeHandle dirfd, string path, byte* buffer, nint size);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fchmod(SafeHandle fd, int mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial IntPtr fdopendir(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial byte* readdir(IntPtr dir);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int closedir(IntPtr dir);
}
