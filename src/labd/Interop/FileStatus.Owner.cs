using System.Buffers.Binary;

namespace Labd.Interop;

internal static partial class FileStatus
{
    internal const uint StatxUid = 0x8;
    internal const int UidOffset = 0x14;

    /// <summary>The owner uid of <paramref name="path"/> itself (a symlink is not followed).</summary>
    public static unsafe int Owner(string path)
    {
        var buffer = stackalloc byte[StatxSize];
        Errno.Check(() => Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxUid | StatxType, buffer), $"statx({path})");
        return (int)BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(buffer + UidOffset, 4));
    }
}
