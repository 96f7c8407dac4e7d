using Labd.Interop;

namespace Labd.Hosting;

/// <summary>
/// labd's state directory as a <c>nosuid,nodev</c> bind mount of itself in the host's mount
/// namespace, so that nothing a sandbox leaves there (a set-user-ID copy, a device node) means
/// anything to a local user who reaches it (issue 13). Idempotent: a state directory that already
/// is a mount is only given the two flags, never a second mount on top.
/// </summary>
internal static class StateMount
{
    internal const ulong Required = Mounts.MS_NOSUID | Mounts.MS_NODEV;

    /// <summary>Per-mount flags a remount must carry over, or mount(2) would clear them.</summary>
    internal const ulong Kept = Mounts.MS_RDONLY | Mounts.MS_NOEXEC | Mounts.MS_NOATIME | Mounts.MS_NODIRATIME;

    /// <summary>What <see cref="Ensure"/> found or did.</summary>
    internal enum Outcome
    {
        AlreadyMounted,
        Remounted,
        Mounted,
    }

    /// <summary>Makes <paramref name="stateDirectory"/> (created 0711 if missing) a nosuid,nodev mount.
    /// Throws <see cref="IOException"/> or <see cref="System.ComponentModel.Win32Exception"/> when it cannot.</summary>
    public static Outcome Ensure(string stateDirectory)
    {
        Chmod.CreateDirectory(stateDirectory, 0b111_001_001);
        using (var before = DirectoryFd.OpenDirectoryNoSymlinks(stateDirectory))
        {
            var flags = FileStatus.MountFlags(before);
            var isMount = FileStatus.Mounted(before).MountRoot;
            if (isMount && (flags & Required) == Required)
            {
                return Outcome.AlreadyMounted;
            }
            if (isMount)
            {
                Mounts.RemountBind(stateDirectory, (flags & Kept) | Required);
                Verify(stateDirectory);
                return Outcome.Remounted;
            }
            // Bound through the descriptor just checked, so the mount is of that very directory.
            Mounts.BindDescriptorFlat(before, stateDirectory);
        }
        using (var mounted = DirectoryFd.OpenDirectoryNoSymlinks(stateDirectory))
        {
            Mounts.RemountBind(stateDirectory, (FileStatus.MountFlags(mounted) & Kept) | Required);
        }
        Verify(stateDirectory);
        return Outcome.Mounted;
    }

    /// <summary>Whether this process shares pid 1's mount namespace (so a mount it makes protects the
    /// host); null when pid 1's namespace cannot be read (some container and VM inits hide it).</summary>
    public static bool? InHostNamespace()
    {
        try
        {
            var own = new FileInfo("/proc/self/ns/mnt").LinkTarget;
            var host = new FileInfo("/proc/1/ns/mnt").LinkTarget;
            return own is null || host is null ? null : own == host;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="stateDirectory"/> is a mount with both flags.</summary>
    public static bool IsProtected(string stateDirectory)
    {
        using var fd = DirectoryFd.OpenDirectoryNoSymlinks(stateDirectory);
        return FileStatus.Mounted(fd).MountRoot && (FileStatus.MountFlags(fd) & Required) == Required;
    }

    private static void Verify(string stateDirectory)
    {
        if (!IsProtected(stateDirectory))
        {
            throw new IOException($"{stateDirectory} is still not a nosuid,nodev mount after remounting it");
        }
    }
}
