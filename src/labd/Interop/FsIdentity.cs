using System.Runtime.InteropServices;

namespace Labd.Interop;

/// <summary>
/// The calling thread's filesystem identity: setfsuid(2)/setfsgid(2) and the raw setgroups
/// syscall change only the calling thread (glibc's setgroups() would broadcast to every thread,
/// the raw syscall does not; credentials are per-thread in the kernel). Switching fsuid from 0
/// to another uid drops CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER and CAP_CHOWN from
/// the effective set (capabilities(7)), so the thread reads and creates files exactly as that
/// user would; switching back to 0 restores them.
/// </summary>
internal static partial class FsIdentity
{
    /// <summary>Makes this thread act on files as <paramref name="uid"/>/<paramref name="gid"/> with no supplementary groups.</summary>
    public static void Assume(int uid, int gid)
    {
        var setgroupsNumber = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 116L,
            Architecture.Arm64 => 159L,
            _ => throw new PlatformNotSupportedException("setgroups syscall number unknown for this architecture"),
        };
        if (syscall(setgroupsNumber, 0, IntPtr.Zero) < 0)
        {
            throw Errno.Last("setgroups(0) (this thread)");
        }
        Set(uid, gid);
    }

    /// <summary>Switches fsuid/fsgid only (supplementary groups unchanged).</summary>
    public static void Set(int uid, int gid)
    {
        _ = setfsgid(gid);
        _ = setfsuid(uid);
        // setfsuid reports no error; asking with an invalid id returns the current one.
        if (setfsuid(-1) != uid || setfsgid(-1) != gid)
        {
            throw new InvalidOperationException($"setfsuid({uid})/setfsgid({gid}) did not take effect");
        }
    }

    /// <summary>This thread's current fsuid and fsgid.</summary>
    public static (int Uid, int Gid) Current() => (setfsuid(-1), setfsgid(-1));

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, long size, IntPtr list);

    [LibraryImport("libc")]
    private static partial int setfsuid(int uid);

    [LibraryImport("libc")]
    private static partial int setfsgid(int gid);
}
