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
    internal const int DirectoryType = 0x4000;

    /// <summary>True when <paramref name="path"/> itself (not a symlink target) is a Unix socket.</summary>
    public static bool IsSocket(string path) => (Mode(Of(path, StatxType)) & TypeMask) == SocketType;

    /// <summary>True when the open descriptor <paramref name="fd"/> is a directory.</summary>
    public static bool IsDirectory(Microsoft.Win32.SafeHandles.SafeFileHandle fd) => (Mode(Of(fd, StatxType)) & TypeMask) == DirectoryType;

    /// <summary>statx(2) of <paramref name="path"/> itself (a symlink is not followed): the raw struct.</summary>
    private static byte[] Of(string path, uint mask) => Call(AtFdCwd, path, AtSymlinkNoFollow, mask, $"statx({path})");

    /// <summary>statx(2) of an open descriptor (AT_EMPTY_PATH): the raw struct.</summary>
    private static byte[] Of(Microsoft.Win32.SafeHandles.SafeFileHandle fd, uint mask)
    {
        var number = (int)fd.DangerousGetHandle();
        return Call(number, "", AtEmptyPath | AtSymlinkNoFollow, mask, $"statx(fd {number})");
    }

    private static unsafe byte[] Call(int dirfd, string path, int flags, uint mask, string what)
    {
        var result = new byte[StatxSize];
        fixed (byte* buffer = result)
        {
            var p = buffer;
            Errno.Check(() => Statx(dirfd, path, flags, mask, p), what);
        }
        return result;
    }

    private static int Mode(byte[] statx) => BinaryPrimitives.ReadUInt16LittleEndian(statx.AsSpan(ModeOffset));

    private static uint U32(byte[] statx, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(statx.AsSpan(offset));

    private static ulong U64(byte[] statx, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(statx.AsSpan(offset));

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);
}
