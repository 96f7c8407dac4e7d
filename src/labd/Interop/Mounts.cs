using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Labd.Interop;

/// <summary>unshare(2) of the mount namespace and mount(2)/umount2(2) binds, for the supervisor's
/// private staging of bind sources (<see cref="Runs.BindStage"/>).</summary>
internal static partial class Mounts
{
    internal const int CLONE_NEWNS = 0x00020000;
    internal const ulong MS_BIND = 0x1000;
    internal const ulong MS_REC = 0x4000;
    internal const ulong MS_PRIVATE = 1 << 18;
    internal const int MNT_DETACH = 2;
    internal const ulong MS_RDONLY = 1;
    internal const ulong MS_NOSUID = 2;
    internal const ulong MS_NODEV = 4;
    internal const ulong MS_NOEXEC = 8;
    internal const ulong MS_REMOUNT = 32;
    internal const ulong MS_NOATIME = 1024;
    internal const ulong MS_NODIRATIME = 2048;

    /// <summary>
    /// Moves the calling thread (only it: CLONE_NEWNS implies CLONE_FS, which unshare(2) allows in a
    /// multithreaded process) into a new mount namespace in which no mount propagates to or from
    /// the host's, so mounts made here are seen only by this thread and the processes it forks.
    /// </summary>
    public static void UnsharePrivateNamespace()
    {
        Errno.Check(() => unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)");
        Errno.Check(() => mount(null, "/", null, MS_REC | MS_PRIVATE, 0), "mount(/, MS_REC|MS_PRIVATE)");
    }

    /// <summary>
    /// Binds (recursively, as bwrap's own binds are) the file <paramref name="source"/> refers to onto
    /// <paramref name="target"/>. The source is <c>/proc/self/fd/N</c>, a magic link the kernel
    /// follows to the descriptor's own file: no path is resolved again, so nothing between the pin
    /// and the mount can swap it.
    /// </summary>
    public static void BindDescriptor(SafeFileHandle source, string target)
    {
        var path = "/proc/self/fd/" + ((int)source.DangerousGetHandle()).ToString(CultureInfo.InvariantCulture);
        Errno.Check(() => mount(path, target, null, MS_BIND | MS_REC, 0), $"mount(bind {path} → {target})");
    }

    /// <summary>Binds (not recursively) the directory <paramref name="source"/> refers to onto
    /// <paramref name="target"/>, through its <c>/proc/self/fd/N</c> magic link as above.</summary>
    public static void BindDescriptorFlat(SafeFileHandle source, string target)
    {
        var path = "/proc/self/fd/" + ((int)source.DangerousGetHandle()).ToString(CultureInfo.InvariantCulture);
        Errno.Check(() => mount(path, target, null, MS_BIND, 0), $"mount(bind {path} → {target})");
    }

    /// <summary>Sets the per-mount flags of the bind mount at <paramref name="target"/> to exactly
    /// <paramref name="flags"/> (MS_BIND|MS_REMOUNT, mount(2)); atime flags not given are kept.</summary>
    public static void RemountBind(string target, ulong flags) =>
        Errno.Check(() => mount(null, target, null, MS_BIND | MS_REMOUNT | flags, 0), $"mount(remount,bind {target})");

    /// <summary>Lazily detaches the mount at <paramref name="target"/>; false when nothing was mounted there.</summary>
    public static bool TryDetach(string target)
    {
        while (umount2(target, MNT_DETACH) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.EINTR)
            {
                return false;
            }
        }
        return true;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int unshare(int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mount(string? source, string target, string? fstype, ulong flags, nint data);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int umount2(string target, int flags);
}
