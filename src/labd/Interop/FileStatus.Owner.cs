namespace Labd.Interop;

internal static partial class FileStatus
{
    internal const uint StatxUid = 0x8;
    internal const int UidOffset = 0x14;

    /// <summary>The owner uid of <paramref name="path"/> itself (a symlink is not followed).</summary>
    public static int Owner(string path) => (int)U32(Of(path, StatxUid | StatxType), UidOffset);
}
