using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Labd.Interop;

/// <summary>
/// The file type from statx(2), which the BCL does not expose (a socket and a regular file
/// look alike to FileInfo). statx's struct layout is the same on every architecture.
/// </summary>
internal static partial class FileStatus
{
    internal const int AtFdCwd = -100;
    internal const int AtSymlinkNoFollow = 0x100;
    internal const uint StatxType = 0x1;
    internal const int ModeOffset = 0x1C;
    internal const int StatxSize = 256;
    internal const int TypeMask = 0xF000;
    internal const int SocketType = 0xC000;

    /// <summary>True when <paramref name="path"/> itself (not a symlink target) is a Unix socket.</summary>
    public static unsafe bool IsSocket(string path)
    {
        var buffer = stackalloc byte[StatxSize];
        Errno.Check(() => Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType, buffer), $"statx({path})");
        var mode = BinaryPrimitives.ReadUInt16LittleEndian(new ReadOnlySpan<byte>(buffer + ModeOffset, 2));
        return (mode & TypeMask) == SocketType;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);
}
