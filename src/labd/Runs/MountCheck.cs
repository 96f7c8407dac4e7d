using Labd.Interop;

namespace Labd.Runs;

/// <summary>One bind as it must be found inside the sandbox: at <paramref name="Path"/>, the root of
/// a mount of exactly <paramref name="Source"/>, read-only or not as the rule says.</summary>
internal sealed record MountExpectation(string Path, MountedFile Source, bool ReadOnly, string Rule);

/// <summary>
/// bwrap resolves both ends of every bind by path, even with <c>--bind-fd</c>: it turns the
/// descriptor back into a path (<c>/proc/self/fd/N</c>), mounts that onto the destination path
/// inside the new root, then compares the two by a third path lookup. The source path is root's
/// own staging entry (<see cref="BindStage"/>), but under a writable bind the destination and
/// the comparison walk a tree a concurrent sandbox can change, so a swap in between
/// (<c>cache → ../victim</c>, escape suite B6) can mount the wrong directory, or mount onto
/// the wrong place, and still pass bwrap's own check. So the supervisor looks at the result:
/// with the target stopped before its first instruction, it opens every planned destination
/// through <c>/proc/PID/root</c>, following no symlink, and requires the root of a mount of the
/// pinned source with the planned read-only flag. Any difference refuses the run; a swap after
/// this point only moves whole mounts with their directories, which changes no access.
/// </summary>
internal static class MountCheck
{
    /// <summary>Throws <see cref="SandboxSetupException"/> naming the first bind that is not as planned.</summary>
    public static void Verify(int pid, IReadOnlyList<MountExpectation> expected)
    {
        using var root = OpenAt2.TryOpenRootOf(pid, out var rootErrno)
            ?? throw new SandboxSetupException($"cannot open the sandbox's root (/proc/{pid}/root): {new System.ComponentModel.Win32Exception(rootErrno).Message}");
        foreach (var e in expected)
        {
            using var fd = OpenAt2.TryOpenInRoot(root, e.Path, out var errno)
                ?? throw Refuse(e, errno == Errno.ELOOP ? "a symbolic link is on its path" : new System.ComponentModel.Win32Exception(errno).Message);
            var found = FileStatus.Mounted(fd);
            if (!found.SameFile(e.Source))
            {
                throw Refuse(e, $"it is {found}, not the pinned source ({e.Source})");
            }
            if (!found.MountRoot)
            {
                throw Refuse(e, "the pinned source is there but not as its own mount (the bind went elsewhere)");
            }
            // A writable rule found read-only (a read-only file system, or a swapped remount) grants
            // less than the policy, never more: only the other way round is refused.
            if (e.ReadOnly && !found.ReadOnly)
            {
                throw Refuse(e, "the mount is writable, the rule says read-only");
            }
        }
    }

    private static SandboxSetupException Refuse(MountExpectation e, string why) =>
        new($"the bind for '{e.Path}' (rule {e.Rule}) is not what was planned: {why}. " +
            "A path under a writable bind changed while the sandbox was being set up (another process is renaming or swapping it); refusing to start. Stop that process and run again.");
}
