using System.Runtime.InteropServices;

namespace Labd.Interop;

/// <summary>lchown(2): hands a directory labd created to a sandbox user (never follows symlinks).</summary>
internal static partial class Chown
{
    public static void Set(string path, int uid, int gid)
    {
        if (lchown(path, uid, gid) < 0)
        {
            throw Errno.Last($"lchown({path})");
        }
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lchown(string path, int uid, int gid);
}
