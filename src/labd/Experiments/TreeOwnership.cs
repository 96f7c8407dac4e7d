using Labd.Interop;

namespace Labd.Experiments;

/// <summary>
/// Hands an experiment's tree to the sandboxed target and back. The walk never follows a
/// symlink (lchown on every entry; descends only into entries that lstat says are directories)
/// and runs only while no process of the run is alive: before launch and after the end.
/// Neither direction changes a file with more than one link (a hard link may share its inode
/// with a file outside the tree); handing back changes only entries the target owns.
/// </summary>
internal static class TreeOwnership
{
    /// <summary>
    /// Creates <paramref name="parts"/> under <paramref name="root"/> as root-owned 0711
    /// directories, so a sandbox user can reach the tree inside but list nothing; any existing
    /// entry must be a real directory (never a symlink).
    /// </summary>
    public static void PrepareParents(string root, params string[] parts)
    {
        var path = root;
        foreach (var part in parts)
        {
            path = Path.Combine(path, part);
            if (new FileInfo(path).LinkTarget is not null)
            {
                throw new IOException($"{path} is a symlink");
            }
            Interop.Chmod.CreateDirectory(path, 0b111_001_001);
        }
    }

    internal const int DirectoryType = 0x4000;
    internal const int RegularType = 0x8000;

    /// <summary>Every entry of <paramref name="root"/> (root included) to <paramref name="uid"/>, hard-linked files left alone.</summary>
    public static int Give(string root, int uid, int gid) => Walk(root, (path, type, owner, links) => type == DirectoryType || links == 1, uid, gid);

    /// <summary>Entries owned by <paramref name="fromUid"/> to <paramref name="uid"/>, hard-linked files left alone.</summary>
    public static int Return(string root, int fromUid, int uid, int gid) =>
        Walk(root, (path, type, owner, links) => owner == fromUid && (type == DirectoryType || links == 1), uid, gid);

    private static int Walk(string root, Func<string, int, int, int, bool> select, int uid, int gid)
    {
        var changed = 0;
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.TryPop(out var path))
        {
            var (type, owner, links) = FileStatus.TypeOwnerLinks(path);
            if (select(path, type, owner, links))
            {
                Chown.Set(path, uid, gid);
                changed++;
            }
            if (type != DirectoryType)
            {
                continue;
            }
            foreach (var entry in Directory.EnumerateFileSystemEntries(path))
            {
                pending.Push(entry);
            }
        }
        return changed;
    }
}
