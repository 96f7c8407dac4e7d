using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Labd.Interop;

/// <summary>Which file an open descriptor is (device and inode), whether it is the root of a mount,
/// and whether that mount is read-only: what a bind mount must look like once it is in place.</summary>
internal readonly record struct MountedFile(uint DevMajor, uint DevMinor, ulong Inode, bool MountRoot, bool ReadOnly)
{
    public bool SameFile(MountedFile other) => DevMajor == other.DevMajor && DevMinor == other.DevMinor && Inode == other.Inode;

    public override string ToString() => $"{DevMajor}:{DevMinor} inode {Inode}{(MountRoot ? ", mount root" : ", not a mount root")}, {(ReadOnly ? "ro" : "rw")}";
}

internal static partial class FileStatus
{
    internal const int AtEmptyPath = 0x1000;
    internal const uint StatxIno = 0x100;
    internal const ulong StatxAttrMountRoot = 0x2000;
    internal const int AttributesOffset = 0x08;
    internal const int InodeOffset = 0x20;
    internal const int AttributesMaskOffset = 0x38;
    internal const int DevMajorOffset = 0x88;
    internal const int DevMinorOffset = 0x8C;

    /// <summary>statvfs(3)'s f_flag: ten unsigned longs in, on every 64-bit Linux.</summary>
    internal const int StatvfsFlagOffset = 72;
    internal const int StatvfsSize = 112;
    internal const ulong StRdonly = 1;

    /// <summary>statx and fstatvfs of the descriptor itself (never a path).</summary>
    public static unsafe MountedFile Mounted(SafeFileHandle fd)
    {
        var statx = Of(fd, StatxType | StatxIno);
        if ((U64(statx, AttributesMaskOffset) & StatxAttrMountRoot) == 0)
        {
            throw new PlatformNotSupportedException("statx does not report STATX_ATTR_MOUNT_ROOT (Linux 5.8 or newer is needed)");
        }
        var number = (int)fd.DangerousGetHandle();
        var vfs = stackalloc byte[StatvfsSize];
        Errno.Check(() => fstatvfs(number, vfs), $"fstatvfs(fd {number})");
        var flags = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(vfs + StatvfsFlagOffset, 8));
        return new MountedFile(
            U32(statx, DevMajorOffset),
            U32(statx, DevMinorOffset),
            U64(statx, InodeOffset),
            (U64(statx, AttributesOffset) & StatxAttrMountRoot) != 0,
            (flags & StRdonly) != 0);
    }

    /// <summary>The ST_* flags of the mount holding the descriptor (statvfs(3)'s f_flag: ST_RDONLY 1,
    /// ST_NOSUID 2, ST_NODEV 4, ST_NOEXEC 8, ST_NOATIME 1024, ST_NODIRATIME 2048; the same values as
    /// mount(2)'s MS_* flags).</summary>
    public static unsafe ulong MountFlags(SafeFileHandle fd)
    {
        var number = (int)fd.DangerousGetHandle();
        var vfs = stackalloc byte[StatvfsSize];
        Errno.Check(() => fstatvfs(number, vfs), $"fstatvfs(fd {number})");
        return BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(vfs + StatvfsFlagOffset, 8));
    }

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int fstatvfs(int fd, byte* buffer);
}
