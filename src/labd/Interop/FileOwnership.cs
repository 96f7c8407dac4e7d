using System.Runtime.InteropServices;

namespace Labd.Interop;

/// <summary>chown(2), which the BCL does not offer.</summary>
internal static partial class FileOwnership
{
    public static void Change(string path, int uid, int gid) =>
        Errno.Check(() => Chown(path, uid, gid), $"chown({path}, {uid}, {gid})");

    [LibraryImport("libc", EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Chown(string path, int owner, int group);
}
