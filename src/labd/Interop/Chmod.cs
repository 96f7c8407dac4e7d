using System.Runtime.InteropServices;

namespace Labd.Interop;

/// <summary>chmod(2), and mkdir-then-chmod (the mode is exact, not filtered by the umask).</summary>
internal static partial class Chmod
{
    public static void Set(string path, int mode)
    {
        if (chmod(path, (uint)mode) < 0)
        {
            throw Errno.Last($"chmod({path})");
        }
    }

    public static void CreateDirectory(string path, int mode)
    {
        Directory.CreateDirectory(path);
        Set(path, mode);
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int chmod(string path, uint mode);
}
