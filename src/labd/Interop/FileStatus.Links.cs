using System.Buffers.Binary;

namespace Labd.Interop;

internal static partial class FileStatus
{
    internal const uint StatxNlink = 0x4;
    internal const int NlinkOffset = 0x10;

    /// <summary>Type bits, owner uid and link count of <paramref name="path"/> itself (a symlink is not followed).</summary>
    public static unsafe (int Type, int Uid, int Links) TypeOwnerLinks(string path)
    {
        var buffer = stackalloc byte[StatxSize];
        Errno.Check(() => Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxUid | StatxType | StatxNlink, buffer), $"statx({path})");
        var mode = BinaryPrimitives.ReadUInt16LittleEndian(new ReadOnlySpan<byte>(buffer + ModeOffset, 2));
        var uid = (int)BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(buffer + UidOffset, 4));
        var links = (int)BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(buffer + NlinkOffset, 4));
        return (mode & TypeMask, uid, links);
    }
}
