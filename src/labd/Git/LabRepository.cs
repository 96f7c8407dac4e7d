namespace Labd.Git;

/// <summary>
/// A lab's git repository as labd (root) touches it: through LibGit2Sharp only, which runs no
/// hooks, fsmonitor, filters, pagers or other configured commands; with system, global and XDG
/// configuration ignored; opened only at the lab's registered root, whose <c>.git</c> must be a
/// real directory owned by the lab's owner (not a symlink, not a gitfile, no <c>commondir</c>).
/// Files of a worktree are read and written without following symlinks.
/// </summary>
internal sealed class LabRepository : IDisposable
{
    private LabRepository()
    {
    }

    /// <summary>The repository's root (the registered lab path).</summary>
    public string Root { get; } = "";

    /// <summary>Whether <paramref name="path"/> is the root of a non-bare repository with a plain <c>.git</c> directory.</summary>
    public static bool IsRepository(string path) => throw new NotImplementedException("lands with the Git layer");

    /// <summary>Opens the repository at <paramref name="root"/>; <paramref name="ownerUid"/> must own
    /// <c>root/.git</c>. Throws <see cref="LabdException"/> (not-a-repository) naming the fix.</summary>
    public static LabRepository Open(string root, int ownerUid) => throw new NotImplementedException("lands with the Git layer");

    /// <summary>The branch new root ideas start from: <c>main</c>, else <c>master</c>, else the
    /// branch HEAD names. Throws when the repository has no commit yet ("make a first commit").</summary>
    public string DetectMainBranch() => throw new NotImplementedException("lands with the Git layer");

    /// <summary>The commit a branch points at, or null when there is no such branch.</summary>
    public string? TipOf(string branch) => throw new NotImplementedException("lands with the Git layer");

    /// <summary>
    /// Creates branch <paramref name="branch"/> (e.g. <c>idea/3</c>), failing when it exists.
    /// No parents: at the tip of <paramref name="mainBranch"/>. One: at that branch's tip. Two or
    /// more: a merge commit of their tips (in order) with <paramref name="message"/>; conflicts
    /// throw <see cref="LabdException"/> (merge-conflict) listing every conflicting path.
    /// Never touches HEAD, the index or any working tree. Returns the new branch's commit.
    /// </summary>
    public string CreateBranch(string branch, IReadOnlyList<string> parentBranches, string mainBranch, string message) =>
        throw new NotImplementedException("lands with the Git layer");

    /// <summary>
    /// Commits the current state of the files under <paramref name="sourceDirectory"/> (a worktree
    /// of this lab: uncommitted edits included, <c>.gitignore</c> honoured, <c>.git</c> excluded)
    /// on top of <paramref name="branch"/>, and moves the branch to it. Symlinks are stored as
    /// links and never followed; FIFOs, sockets and devices are skipped; a file is read only when
    /// opened with O_NOFOLLOW beneath the source and it is a regular file owned by
    /// <paramref name="ownerUid"/> or world-readable; size caps apply (per file and in total;
    /// exceeding them throws, naming the file). When nothing changed, returns the tip unchanged.
    /// Never touches HEAD, the index or the source directory.
    /// </summary>
    public string Snapshot(string sourceDirectory, string branch, int ownerUid, string message) =>
        throw new NotImplementedException("lands with the Git layer");

    /// <summary>
    /// Writes the tree of <paramref name="commit"/> into <paramref name="destination"/>, which must
    /// not exist (its parent must): regular files 0644/0755, symlinks as symlinks, gitlinks skipped,
    /// every entry created without following symlinks. No <c>.git</c> is written.
    /// </summary>
    public void Materialize(string commit, string destination) => throw new NotImplementedException("lands with the Git layer");

    public void Dispose()
    {
    }
}
