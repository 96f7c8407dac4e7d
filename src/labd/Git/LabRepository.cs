using System.Collections.Concurrent;
using Labd.Interop;
using Labd.Protocol;
using LibGit2Sharp;

namespace Labd.Git;

/// <summary>
/// A lab's git repository as labd (root) touches it: through LibGit2Sharp only, which runs no
/// hooks, fsmonitor, filters, pagers or other configured commands; with system, global and XDG
/// configuration ignored; opened only at the lab's registered root, whose <c>.git</c> must be a
/// real directory owned by the lab's owner (not a symlink, not a gitfile, no <c>commondir</c>).
/// Files of a worktree are read and written without following symlinks.
/// </summary>
/// <remarks>
/// Every libgit2 call runs on an <see cref="OwnerThread"/> with the owner's filesystem identity,
/// so what labd writes into <c>.git</c> belongs to the owner and nothing the repository points
/// at is read with root's permissions. Writes to one root are serialized in-process.
/// </remarks>
internal sealed class LabRepository : IDisposable
{
    private static readonly ConcurrentDictionary<string, object> WriteLocks = new(StringComparer.Ordinal);
    private static readonly string[] MainCandidates = ["main", "master"];
    private static readonly string[] Borrowing = ["commondir", "objects/info/alternates"];
    private static readonly Lazy<bool> Configured = new(ConfigureLibGit2);

    private readonly Repository _repository;

    private LabRepository(string root, int ownerUid, int ownerGid, Repository repository)
    {
        Root = root;
        OwnerUid = ownerUid;
        OwnerGid = ownerGid;
        _repository = repository;
    }

    /// <summary>The repository's root (the registered lab path).</summary>
    public string Root { get; } = "";

    /// <summary>The lab owner's uid; every repository access runs with it.</summary>
    public int OwnerUid { get; }

    /// <summary>The group of <c>.git</c>, given to what labd writes there.</summary>
    public int OwnerGid { get; }

    /// <summary>Whether <paramref name="path"/> is the root of a non-bare repository with a plain <c>.git</c> directory.</summary>
    public static bool IsRepository(string path)
    {
        try
        {
            var (root, status) = CheckLayout(path);
            using var repository = Open(root, status.Uid);
            return true;
        }
        catch (LabdException)
        {
            return false;
        }
    }

    /// <summary>Opens the repository at <paramref name="root"/>; <paramref name="ownerUid"/> must own
    /// <c>root/.git</c>. Throws <see cref="LabdException"/> (not-a-repository) naming the fix.</summary>
    public static LabRepository Open(string root, int ownerUid)
    {
        _ = Configured.Value;
        var (fullRoot, gitStatus) = CheckLayout(root);
        if (gitStatus.Uid != ownerUid)
        {
            throw NotARepository(fullRoot, $"{fullRoot}/.git belongs to uid {gitStatus.Uid}, not to the lab's owner (uid {ownerUid}); register the lab as the user who owns the repository");
        }
        var repository = OwnerThread.Run(ownerUid, gitStatus.Gid, () =>
        {
            try
            {
                return new Repository(fullRoot + "/.git");
            }
            catch (LibGit2SharpException e)
            {
                // libgit2's message is not passed on: it may quote a file the config includes.
                throw NotARepository(fullRoot, $"{fullRoot}/.git could not be opened by libgit2 ({e.GetType().Name}); check that `git -C {fullRoot} status` works and .git/config is valid");
            }
        });
        if (repository.Info.IsBare)
        {
            repository.Dispose();
            throw NotARepository(fullRoot, $"{fullRoot} is a bare repository (core.bare is true); labd needs a repository with a working tree: `git -C {fullRoot} config core.bare false`");
        }
        return new LabRepository(fullRoot, ownerUid, gitStatus.Gid, repository);
    }

    /// <summary>The branch new root ideas start from: <c>main</c>, else <c>master</c>, else the
    /// branch HEAD names. Throws when the repository has no commit yet ("make a first commit").</summary>
    public string DetectMainBranch() => Run(() =>
    {
        foreach (var candidate in MainCandidates)
        {
            if (Tip(candidate) is not null)
            {
                return candidate;
            }
        }
        var head = _repository.Refs.Head;
        if (head is SymbolicReference { TargetIdentifier: var target }
            && target.StartsWith(BranchPrefix, StringComparison.Ordinal)
            && Tip(target[BranchPrefix.Length..]) is not null)
        {
            return target[BranchPrefix.Length..];
        }
        throw new LabdException(ErrorCode.NotARepository, $"the repository at {Root} has no commit on main, master or HEAD's branch yet; make a first commit: `git -C {Root} commit --allow-empty -m init`");
    });

    /// <summary>The commit a branch points at, or null when there is no such branch.</summary>
    public string? TipOf(string branch)
    {
        CheckBranchName(branch);
        return Run(() => Tip(branch)?.Sha);
    }

    /// <summary>Local branch names starting with <paramref name="prefix"/> (e.g. <c>idea/</c>), sorted ordinally.</summary>
    public IReadOnlyList<string> Branches(string prefix) => Run(() =>
    {
        var names = new List<string>();
        foreach (var reference in _repository.Refs.FromGlob(BranchPrefix + "*"))
        {
            var name = reference.CanonicalName[BranchPrefix.Length..];
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                names.Add(name);
            }
        }
        names.Sort(StringComparer.Ordinal);
        return (IReadOnlyList<string>)names;
    });

    /// <summary>
    /// Creates branch <paramref name="branch"/> (e.g. <c>idea/3</c>), failing when it exists.
    /// No parents: at the tip of <paramref name="mainBranch"/>. One: at that branch's tip. Two or
    /// more: a merge commit of their tips (in order) with <paramref name="message"/>; conflicts
    /// throw <see cref="LabdException"/> (merge-conflict) listing every conflicting path.
    /// Never touches HEAD, the index or any working tree. Returns the new branch's commit.
    /// </summary>
    public string CreateBranch(string branch, IReadOnlyList<string> parentBranches, string mainBranch, string message)
    {
        CheckBranchName(branch);
        var sources = parentBranches.Count == 0 ? [mainBranch] : parentBranches;
        foreach (var source in sources)
        {
            CheckBranchName(source);
        }
        return Write(() =>
        {
            if (Tip(branch) is not null)
            {
                throw new LabdException(ErrorCode.Conflict, $"branch {branch} already exists in {Root}; pick another name or delete it with `git branch -D {branch}`");
            }
            var tips = sources.Select(source => Tip(source)
                ?? throw new LabdException(ErrorCode.NotFound, $"branch {source} does not exist in {Root}; list branches with `git -C {Root} branch`")).ToList();
            var commit = tips.Count == 1 ? tips[0] : Merge.Commits(_repository, tips, sources, message, Signature());
            try
            {
                _repository.Refs.Add(BranchPrefix + branch, commit.Id, $"labd: create {branch}", allowOverwrite: false);
            }
            catch (NameConflictException)
            {
                throw new LabdException(ErrorCode.Conflict, $"branch {branch} was created concurrently in {Root}; pick another name");
            }
            return commit.Sha;
        });
    }

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
    public string Snapshot(string sourceDirectory, string branch, int ownerUid, string message)
    {
        CheckBranchName(branch);
        if (!Path.IsPathFullyQualified(sourceDirectory))
        {
            throw new LabdException(ErrorCode.BadRequest, $"snapshot source {sourceDirectory} must be an absolute path");
        }
        return Write(() =>
        {
            var tip = Tip(branch) ?? throw new LabdException(ErrorCode.NotFound, $"branch {branch} does not exist in {Root}; create it before snapshotting");
            var tree = new WorktreeReader(_repository, Root, ownerUid, tip.Tree).Read(sourceDirectory);
            if (tree.Id == tip.Tree.Id)
            {
                return tip.Sha;
            }
            var signature = Signature();
            var commit = _repository.ObjectDatabase.CreateCommit(signature, signature, message, tree, [tip], prettifyMessage: false);
            // Compare-and-swap: the branch must still be where the snapshot started from.
            var reference = _repository.Refs[BranchPrefix + branch];
            if (reference?.ResolveToDirectReference()?.TargetIdentifier != tip.Sha)
            {
                throw new LabdException(ErrorCode.Conflict, $"branch {branch} moved while labd was snapshotting {sourceDirectory}; retry");
            }
            _repository.Refs.UpdateTarget(reference, commit.Id, $"labd: snapshot {branch}");
            return commit.Sha;
        });
    }

    /// <summary>
    /// Writes the tree of <paramref name="commit"/> into <paramref name="destination"/>, which must
    /// not exist (its parent must): regular files 0644/0755, symlinks as symlinks, gitlinks skipped,
    /// every entry created without following symlinks. No <c>.git</c> is written.
    /// </summary>
    /// <remarks>Objects are read with the owner's identity; the files are created by root (see <see cref="TreeWriter"/>).</remarks>
    public void Materialize(string commit, string destination) => Run(() =>
    {
        var target = (ObjectId.TryParse(commit, out var id) ? _repository.Lookup<Commit>(id) : null)
            ?? throw new LabdException(ErrorCode.NotFound, $"commit {commit} does not exist in {Root}");
        new TreeWriter(OwnerUid, OwnerGid).Write(target.Tree, destination);
        return true;
    });

    /// <summary>
    /// The content of the file at <paramref name="path"/> (e.g. <c>PROMPT.md</c>) in the tree of
    /// the tip of <paramref name="branch"/>: null when the branch, the path or a regular file
    /// there is missing (a symlink or directory counts as missing). Larger than
    /// <paramref name="maxBytes"/>: the first <paramref name="maxBytes"/> bytes only.
    /// </summary>
    public byte[]? ReadFile(string branch, string path, int maxBytes)
    {
        CheckBranchName(branch);
        return Run(() =>
        {
            if (Tip(branch) is not { } tip || tip.Tree[path] is not { TargetType: TreeEntryTargetType.Blob } entry
                || entry.Mode is not (Mode.NonExecutableFile or Mode.ExecutableFile or Mode.NonExecutableGroupWritableFile))
            {
                return null;
            }
            var blob = (Blob)entry.Target;
            using var stream = blob.GetContentStream();
            var buffer = new byte[(int)Math.Min(blob.Size, maxBytes)];
            stream.ReadExactly(buffer);
            return buffer;
        });
    }

    public void Dispose() => _repository.Dispose();

    internal const string BranchPrefix = "refs/heads/";
    internal const string AuthorName = "labd";
    internal const string AuthorEmail = "labd@localhost";

    private static Signature Signature() => new(AuthorName, AuthorEmail, DateTimeOffset.UtcNow);

    private Commit? Tip(string branch) =>
        _repository.Refs[BranchPrefix + branch]?.ResolveToDirectReference()?.Target as Commit;

    private T Run<T>(Func<T> work) => OwnerThread.Run(OwnerUid, OwnerGid, () =>
    {
        try
        {
            return work();
        }
        catch (LibGit2SharpException e)
        {
            throw new LabdException(ErrorCode.Internal, $"git operation in {Root} failed: {e.Message}; check that everything under {Root}/.git belongs to uid {OwnerUid} (`chown -R`) and that `git fsck` is clean", e);
        }
    });

    private T Write<T>(Func<T> work)
    {
        lock (WriteLocks.GetOrAdd(Root, _ => new object()))
        {
            return Run(work);
        }
    }

    private static void CheckBranchName(string branch)
    {
        if (string.IsNullOrEmpty(branch) || !Reference.IsValidName(BranchPrefix + branch))
        {
            throw new LabdException(ErrorCode.BadRequest, $"'{branch}' is not a valid branch name; see `git check-ref-format --help`");
        }
    }

    /// <summary>Checks the path shape labd accepts and returns the canonical root and the status of its <c>.git</c>.</summary>
    private static (string Root, DirectoryFd.Status Git) CheckLayout(string root)
    {
        if (string.IsNullOrEmpty(root) || !Path.IsPathFullyQualified(root))
        {
            throw NotARepository(root, $"'{root}' is not an absolute path; pass the repository's top directory as an absolute path");
        }
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        if (full != Path.TrimEndingDirectorySeparator(root))
        {
            throw NotARepository(root, $"'{root}' is not a canonical path (no '.', '..' or '//'); pass {full}");
        }
        // openat2 RESOLVE_NO_SYMLINKS refuses a symlink in any component, .git included.
        using (var pinned = OpenAt2.TryOpenPathNoSymlinks(full + "/.git", inheritable: false, out var errno))
        {
            if (pinned is null)
            {
                throw errno == Errno.ELOOP
                    ? NotARepository(full, $"{full}/.git is reached through a symlink; labd needs the real path with no symlink in any component (try `realpath {full}`)")
                    : NotARepository(full, $"{full} is not the root of a git repository; run `git init && git commit --allow-empty -m init` there, or pass the repository's top directory");
            }
            var status = DirectoryFd.Stat(pinned);
            if (status.Type != DirectoryFd.TypeDirectory)
            {
                throw NotARepository(full, $"{full}/.git is not a directory (a gitfile of a linked worktree or submodule?); register the main repository's top directory instead");
            }
            foreach (var forbidden in Borrowing)
            {
                if (DirectoryFd.TryStat($"{full}/.git/{forbidden}") is not null)
                {
                    throw NotARepository(full, $"{full}/.git/{forbidden} exists; labd does not open repositories that borrow another repository's objects or refs (remove it, e.g. `git repack -a -d` then delete it)");
                }
            }
            return (full, status);
        }
    }

    private static LabdException NotARepository(string root, string message) => new(ErrorCode.NotARepository, message);

    /// <summary>Once per process: no system, global, XDG or ProgramData configuration is ever read.</summary>
    private static bool ConfigureLibGit2()
    {
        // Root-owned and empty; 0755 so that the owner's thread can look (and find nothing).
        var empty = Directory.CreateTempSubdirectory("labd-git-noconfig-").FullName;
        File.SetUnixFileMode(empty, (UnixFileMode)0b111_101_101);
        foreach (var level in new[] { ConfigurationLevel.System, ConfigurationLevel.Global, ConfigurationLevel.Xdg, ConfigurationLevel.ProgramData })
        {
            GlobalSettings.SetConfigSearchPaths(level, empty);
        }
        // labd checks ownership itself (the owner, not root, must own .git); libgit2's
        // safe.directory check compares against the process's uid and would refuse every lab.
        GlobalSettings.SetOwnerValidation(false);
        return true;
    }
}
