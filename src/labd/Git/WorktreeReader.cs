using System.Text;
using Labd.Interop;
using Labd.Protocol;
using LibGit2Sharp;
using Microsoft.Win32.SafeHandles;

namespace Labd.Git;

/// <summary>
/// Builds a git tree from a directory an agent controls, the way <c>git add -A</c> would but
/// without following anything: each directory is opened beneath its parent with O_NOFOLLOW,
/// each file with O_NOFOLLOW|O_NONBLOCK and then checked with fstat (a FIFO never blocks, a
/// symlink is stored as its link text, sockets and devices are skipped). A file is read only
/// when it belongs to the owner or is world-readable, so a hard link to a root-only file is
/// left out. Ignore rules come from <c>.gitignore</c> files inside the source and from the lab's
/// <c>.git/info/exclude</c> (see <see cref="IgnoreRules"/>); a path the branch already tracks
/// stays tracked even when ignored, as in git.
/// </summary>
internal sealed class WorktreeReader(Repository repository, string labRoot, int ownerUid, Tree tip)
{
    internal const int MaxDepth = 512;
    internal const int MaxIgnoreFileBytes = 1024 * 1024;

    private readonly IgnoreRules _ignore = new();
    private readonly SnapshotLimits _limits = new();
    private readonly TreeDefinition _tree = new();

    public Tree Read(string sourceDirectory)
    {
        SafeFileHandle top;
        try
        {
            top = DirectoryFd.OpenDirectoryNoSymlinks(Path.TrimEndingDirectorySeparator(sourceDirectory));
        }
        catch (IOException e)
        {
            throw new LabdException(ErrorCode.BadRequest, $"cannot snapshot {sourceDirectory}: {e.Message}; pass the worktree's real path");
        }
        using (top)
        {
            using (var root = TryOpenDirectory(labRoot))
            {
                if (root is not null && ReadSmallFile(root, ".git/info/exclude") is { } exclude)
                {
                    _ignore.Add("", exclude);
                }
            }
            Walk(top, "", 0, parentIgnored: false);
        }
        return repository.ObjectDatabase.CreateTree(_tree);
    }

    private void Walk(SafeFileHandle directory, string prefix, int depth, bool parentIgnored)
    {
        if (depth > MaxDepth)
        {
            throw new LabdException(ErrorCode.BadRequest, $"{prefix} is nested deeper than {MaxDepth} directories");
        }
        if (!parentIgnored && ReadSmallFile(directory, ".gitignore") is { } rules)
        {
            _ignore.Add(prefix, rules);
        }
        foreach (var name in DirectoryFd.ReadNames(directory, out _).Order(StringComparer.Ordinal))
        {
            if (string.Equals(name, ".git", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            var path = prefix.Length == 0 ? name : $"{prefix}/{name}";
            if (DirectoryFd.TryStat(directory, name) is not { } status)
            {
                continue;
            }
            var isDirectory = status.Type == DirectoryFd.TypeDirectory;
            var ignored = parentIgnored || _ignore.IsIgnored(path, isDirectory);
            if (ignored && !Tracked(path, isDirectory))
            {
                continue;
            }
            switch (status.Type)
            {
                case DirectoryFd.TypeDirectory:
                    using (var child = DirectoryFd.TryOpen(directory, name, DirectoryFd.O_RDONLY | DirectoryFd.O_DIRECTORY | DirectoryFd.O_NOFOLLOW, 0, out _))
                    {
                        if (child is not null)
                        {
                            _limits.CountEntry(path);
                            Walk(child, path, depth + 1, ignored);
                        }
                    }
                    break;
                case DirectoryFd.TypeSymlink:
                    _limits.CountEntry(path);
                    var target = DirectoryFd.ReadLink(directory, name);
                    _limits.CountBytes(path, target.Length);
                    _tree.Add(path, repository.ObjectDatabase.CreateBlob(new MemoryStream(target)), Mode.SymbolicLink);
                    break;
                case DirectoryFd.TypeRegular:
                    AddFile(directory, name, path);
                    break;
                default:
                    // FIFOs, sockets and devices have no place in a commit.
                    break;
            }
        }
    }

    private void AddFile(SafeFileHandle directory, string name, string path)
    {
        using var file = DirectoryFd.TryOpen(directory, name, DirectoryFd.O_RDONLY | DirectoryFd.O_NOFOLLOW | DirectoryFd.O_NONBLOCK | DirectoryFd.O_NOCTTY, 0, out _);
        if (file is null)
        {
            // Not readable by the owner (or replaced since the stat): not part of the snapshot.
            return;
        }
        var status = DirectoryFd.Stat(file);
        if (status.Type != DirectoryFd.TypeRegular || (status.Uid != ownerUid && (status.Mode & 0b100) == 0))
        {
            return;
        }
        _limits.CountEntry(path);
        _limits.CountBytes(path, status.Size);
        Blob blob;
        try
        {
            using var stream = new FileStream(file, FileAccess.Read, bufferSize: 0);
            blob = repository.ObjectDatabase.CreateBlob(stream, status.Size);
        }
        catch (LibGit2SharpException)
        {
            throw new LabdException(ErrorCode.Conflict, $"{path} changed size while labd was reading it; retry the snapshot");
        }
        _tree.Add(path, blob, (status.Mode & 0b001_000_000) != 0 ? Mode.ExecutableFile : Mode.NonExecutableFile);
    }

    private bool Tracked(string path, bool isDirectory) =>
        tip[path] is { } entry && (entry.TargetType == TreeEntryTargetType.Tree) == isDirectory;

    /// <summary>Reads a small regular file beneath <paramref name="directory"/> (no symlink followed in any component), or null.</summary>
    private string? ReadSmallFile(SafeFileHandle directory, string relativePath)
    {
        var current = directory;
        var owned = new List<SafeFileHandle>();
        try
        {
            var parts = relativePath.Split('/');
            for (var i = 0; i < parts.Length - 1; i++)
            {
                current = DirectoryFd.TryOpen(current, parts[i], DirectoryFd.O_RDONLY | DirectoryFd.O_DIRECTORY | DirectoryFd.O_NOFOLLOW, 0, out _)!;
                if (current is null)
                {
                    return null;
                }
                owned.Add(current);
            }
            using var file = DirectoryFd.TryOpen(current, parts[^1], DirectoryFd.O_RDONLY | DirectoryFd.O_NOFOLLOW | DirectoryFd.O_NONBLOCK | DirectoryFd.O_NOCTTY, 0, out _);
            if (file is null)
            {
                return null;
            }
            var status = DirectoryFd.Stat(file);
            if (status.Type != DirectoryFd.TypeRegular || status.Size > MaxIgnoreFileBytes || (status.Uid != ownerUid && (status.Mode & 0b100) == 0))
            {
                return null;
            }
            var buffer = new byte[status.Size];
            var read = RandomAccess.Read(file, buffer, 0);
            return Encoding.UTF8.GetString(buffer, 0, read);
        }
        finally
        {
            owned.ForEach(handle => handle.Dispose());
        }
    }

    private static SafeFileHandle? TryOpenDirectory(string path)
    {
        try
        {
            return DirectoryFd.OpenDirectoryNoSymlinks(path);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
