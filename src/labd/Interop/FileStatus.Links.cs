namespace Labd.Interop;

internal static partial class FileStatus
{
    internal const uint StatxNlink = 0x4;
    internal const int NlinkOffset = 0x10;

    /// <summary>Type bits, owner uid and link count of <paramref name="path"/> itself (a symlink is not followed).</summary>
    public static (int Type, int Uid, int Links) TypeOwnerLinks(string path)
    {
        var statx = Of(path, StatxUid | StatxType | StatxNlink);
        return (Mode(statx) & TypeMask, (int)U32(statx, UidOffset), (int)U32(statx, NlinkOffset));
    }
}
