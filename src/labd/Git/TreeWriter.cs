using Labd.Interop;
using Labd.Protocol;
using LibGit2Sharp;
using Microsoft.Win32.SafeHandles;

namespace Labd.Git;

/// <summary>
/// Writes a git tree into a new directory, descriptor-relative: directories with mkdirat, files
/// with openat(O_CREAT|O_EXCL|O_NOFOLLOW), links with symlinkat, so no entry can redirect a
/// write outside the destination. The whole tree is checked first (entry names, counts, sizes);
/// a hostile tree is refused before anything is written.
/// </summary>
/// <remarks>Runs on the owner's <see cref="OwnerThread"/>; it switches the filesystem identity to
/// root only around each create, so objects are read as the owner and files belong to root.</remarks>
internal sealed class TreeWriter(int ownerUid, int ownerGid)
{
    internal const int MaxDepth = 512;

    public void Write(Tree tree, string destination)
    {
        if (!Path.IsPathFullyQualified(destination) || Path.GetFileName(Path.TrimEndingDirectorySeparator(destination)) is not { Length: > 0 } name
            || name is "." or "..")
        {
            throw new LabdException(ErrorCode.BadRequest, $"materialize destination {destination} must be an absolute path naming a new directory");
        }
        var limits = new SnapshotLimits();
        Check(tree, "", 0, limits);
        var parentPath = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(destination))!;
        AsRoot(() =>
        {
            SafeFileHandle parent;
            try
            {
                parent = DirectoryFd.OpenDirectoryNoSymlinks(parentPath);
            }
            catch (IOException e)
            {
                throw new LabdException(ErrorCode.BadRequest, $"materialize destination's parent cannot be opened: {e.Message}; create {parentPath} (no symlinks) first");
            }
            using (parent)
            {
                if (DirectoryFd.TryStat(parent, name) is not null)
                {
                    throw new LabdException(ErrorCode.Conflict, $"materialize destination {destination} already exists; remove it or pick a new path");
                }
                DirectoryFd.MakeDirectory(parent, name, 0b111_101_101);
                using var top = OpenDirectory(parent, name);
                DirectoryFd.ChangeMode(top, 0b111_101_101);
                WriteTree(tree, top);
            }
        });
    }

    /// <summary>Refuses entry names that could escape or shadow (".", "..", "/", NUL, ".git") and enforces the snapshot caps.</summary>
    private static void Check(Tree tree, string prefix, int depth, SnapshotLimits limits)
    {
        if (depth > MaxDepth)
        {
            throw new LabdException(ErrorCode.BadRequest, $"tree is nested deeper than {MaxDepth} directories at {prefix}");
        }
        foreach (var entry in tree)
        {
            var name = entry.Name;
            if (name.Length == 0 || name is "." or ".." || name.Contains('/') || name.Contains('\0')
                || string.Equals(name, ".git", StringComparison.OrdinalIgnoreCase))
            {
                throw new LabdException(ErrorCode.BadRequest, $"refusing to materialize a tree with the hostile entry name '{name.Replace("\0", "\\0", StringComparison.Ordinal)}' under '{prefix}/'");
            }
            var path = prefix.Length == 0 ? name : $"{prefix}/{name}";
            limits.CountEntry(path);
            switch (entry.TargetType)
            {
                case TreeEntryTargetType.Tree:
                    Check((Tree)entry.Target, path, depth + 1, limits);
                    break;
                case TreeEntryTargetType.Blob:
                    limits.CountBytes(path, ((Blob)entry.Target).Size);
                    break;
                default:
                    break;
            }
        }
    }

    private void WriteTree(Tree tree, SafeFileHandle directory)
    {
        foreach (var entry in AsOwner(tree.ToList))
        {
            switch (entry.Mode)
            {
                case Mode.Directory:
                    DirectoryFd.MakeDirectory(directory, entry.Name, 0b111_101_101);
                    using (var child = OpenDirectory(directory, entry.Name))
                    {
                        DirectoryFd.ChangeMode(child, 0b111_101_101);
                        WriteTree((Tree)entry.Target, child);
                    }
                    break;
                case Mode.SymbolicLink:
                    var target = AsOwner(() => Content((Blob)entry.Target));
                    DirectoryFd.MakeSymlink(directory, entry.Name, target);
                    break;
                case Mode.NonExecutableFile or Mode.ExecutableFile or Mode.NonExecutableGroupWritableFile:
                    var mode = entry.Mode == Mode.ExecutableFile ? 0b111_101_101 : 0b110_100_100;
                    var content = AsOwner(() => Content((Blob)entry.Target));
                    using (var file = DirectoryFd.TryOpen(directory, entry.Name, DirectoryFd.O_WRONLY | DirectoryFd.O_CREAT | DirectoryFd.O_EXCL | DirectoryFd.O_NOFOLLOW, mode, out var errno)
                        ?? throw Errno.Last($"openat({entry.Path})"))
                    {
                        DirectoryFd.ChangeMode(file, mode);
                        RandomAccess.Write(file, content, 0);
                    }
                    break;
                default:
                    // Gitlinks (submodules) have no content here.
                    break;
            }
        }
    }

    private static byte[] Content(Blob blob)
    {
        using var stream = blob.GetContentStream();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static SafeFileHandle OpenDirectory(SafeFileHandle parent, string name) =>
        DirectoryFd.TryOpen(parent, name, DirectoryFd.O_RDONLY | DirectoryFd.O_DIRECTORY | DirectoryFd.O_NOFOLLOW, 0, out _)
            ?? throw Errno.Last($"openat({name})");

    private static void AsRoot(Action action)
    {
        var (uid, gid) = FsIdentity.Current();
        FsIdentity.Set(0, 0);
        try
        {
            action();
        }
        finally
        {
            FsIdentity.Set(uid, gid);
        }
    }

    private T AsOwner<T>(Func<T> read)
    {
        FsIdentity.Set(ownerUid, ownerGid);
        try
        {
            return read();
        }
        finally
        {
            FsIdentity.Set(0, 0);
        }
    }
}
