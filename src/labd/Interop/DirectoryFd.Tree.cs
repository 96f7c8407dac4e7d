using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Labd.Interop;

/// <summary>
/// What root needs to change or remove a tree that a sandbox could write: every call names one
/// entry beneath an open directory or acts on a descriptor, so a symlink or a directory swapped in
/// mid-walk is met as itself and never followed (<c>O_PATH|O_NOFOLLOW</c>, <c>fchownat(AT_EMPTY_PATH)</c>,
/// <c>unlinkat</c>; see openat(2), fchownat(2), unlinkat(2)).
/// </summary>
internal static partial class DirectoryFd
{
    internal const int O_PATH = 0x200000;
    internal const int AtRemoveDir = 0x200;
    internal const int SetUidSetGid = 0xC00;

    /// <summary>Type and permission bits, owner and link count of an open descriptor.</summary>
    internal readonly record struct Inode(int Mode, int Uid, int Links)
    {
        public int Type => Mode & FileStatus.TypeMask;
    }

    /// <summary>An <c>O_PATH</c> descriptor of <paramref name="name"/> itself (a symlink is not
    /// followed); null when it is gone.</summary>
    public static SafeFileHandle? TryOpenEntry(SafeHandle directory, string name) =>
        TryOpen(directory, name, O_PATH | O_NOFOLLOW, 0, out _);

    /// <summary>The directory that <paramref name="entry"/> (an <c>O_PATH</c> descriptor) is, opened for
    /// reading its names: the same inode, whatever now stands at its name.</summary>
    public static SafeFileHandle? TryOpenDirectory(SafeHandle entry) =>
        TryOpen(entry, ".", O_RDONLY | O_DIRECTORY, 0, out _);

    public static unsafe Inode StatInode(SafeHandle file)
    {
        var buffer = stackalloc byte[FileStatus.StatxSize];
        Errno.Check(() => statx(file, "", AtEmptyPath | FileStatus.AtSymlinkNoFollow, StatxBasic, buffer), "statx(fd)");
        var span = new ReadOnlySpan<byte>(buffer, FileStatus.StatxSize);
        return new Inode(
            BinaryPrimitives.ReadUInt16LittleEndian(span[FileStatus.ModeOffset..]),
            (int)BinaryPrimitives.ReadUInt32LittleEndian(span[0x14..]),
            (int)BinaryPrimitives.ReadUInt32LittleEndian(span[FileStatus.NlinkOffset..]));
    }

    /// <summary>Changes the owner of the very inode <paramref name="file"/> refers to (a symlink itself, if it is one).</summary>
    public static void ChangeOwner(SafeHandle file, int uid, int gid) =>
        Errno.Check(() => fchownat(file, "", uid, gid, AtEmptyPath), "fchownat(fd)");

    /// <summary>chmod of the inode behind an <c>O_PATH</c> descriptor through its /proc/self/fd link, which
    /// names that inode and nothing else (fchmod refuses O_PATH descriptors).</summary>
    public static void ChangeModeOf(SafeHandle file, int mode) =>
        Errno.Check(() => chmod("/proc/self/fd/" + file.DangerousGetHandle().ToString(CultureInfo.InvariantCulture), mode), "chmod(fd)");

    /// <summary>Removes <paramref name="name"/> beneath <paramref name="directory"/> (with
    /// <paramref name="isDirectory"/>, as an empty directory): true when it is gone or was not there,
    /// false when it is of the other kind or a directory not yet empty.</summary>
    public static bool TryUnlink(SafeHandle directory, string name, bool isDirectory)
    {
        while (true)
        {
            if (unlinkat(directory, name, isDirectory ? AtRemoveDir : 0) == 0)
            {
                return true;
            }
            var errno = Marshal.GetLastPInvokeError();
            switch (errno)
            {
                case Errno.EINTR:
                    continue;
                case Errno.ENOENT:
                    return true;
                case Errno.EISDIR or Errno.ENOTEMPTY or Errno.ENOTDIR:
                    return false;
                default:
                    throw new System.ComponentModel.Win32Exception(errno, $"unlinkat({name}): {Marshal.GetPInvokeErrorMessage(errno)}");
            }
        }
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int fchownat(SafeHandle dirfd, string path, int uid, int gid, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int unlinkat(SafeHandle dirfd, string path, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int chmod(string path, int mode);
}
