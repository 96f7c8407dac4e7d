using System.Runtime.InteropServices;
using Labd.Interop;
using Microsoft.Win32.SafeHandles;

namespace Labd.Experiments;

/// <summary>
/// Hands an experiment's tree (or an agent's worktree) to the sandboxed target and back. A
/// sandbox can write the tree and may still be swapping entries while labd walks it, so the walk
/// is by descriptor: each entry is opened <c>O_PATH|O_NOFOLLOW</c> beneath its already-open parent,
/// checked and chowned through that descriptor, and a directory is descended through the same
/// descriptor; a symlink or directory swapped in mid-walk is met as itself, never followed out of
/// the tree. Giving skips files with more than one link (a hard link may share its inode with a
/// file outside the tree). Handing back takes every inode the target owns, hard links included,
/// and clears set-user-ID and set-group-ID bits (the chown clears file capabilities): nothing the
/// sandbox made can later run with its uid.
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
    public static int Give(string root, int uid, int gid, bool byPath = false) =>
        Walk(root, inode => inode.Type == DirectoryType || inode.Links == 1, uid, gid, byPath);

    /// <summary>Every entry owned by <paramref name="fromUid"/> to <paramref name="uid"/>, without set-id bits.</summary>
    public static int Return(string root, int fromUid, int uid, int gid, bool byPath = false) =>
        // The old walk also skipped hard-linked files, which left a hard-linked set-user-ID copy the sandbox's.
        Walk(root, inode => inode.Uid == fromUid && (!byPath || inode.Type == DirectoryType || inode.Links == 1), uid, gid, byPath);

    /// <remarks><paramref name="byPath"/>: the old walk by path string (lstat and lchown of joined
    /// paths), which a swapped directory redirects, with the old rules; kept only as the escape
    /// suite's negative control (escape suite H1, H3).</remarks>
    private static int Walk(string root, Func<DirectoryFd.Inode, bool> select, int uid, int gid, bool byPath)
    {
        if (byPath)
        {
            return WalkByPath(root, select, uid, gid);
        }
        using var top = DirectoryFd.OpenDirectoryNoSymlinks(root);
        var changed = Take(top, select, uid, gid) ? 1 : 0;
        // Depth first, holding one descriptor per level (not one per directory still to visit).
        var open = new Stack<(SafeFileHandle Directory, List<string> Names)>();
        try
        {
            var first = DirectoryFd.TryOpenDirectory(top)!;
            open.Push((first, DirectoryFd.ReadNames(first, out _)));
            while (open.TryPeek(out var level))
            {
                if (level.Names.Count == 0)
                {
                    open.Pop().Directory.Dispose();
                    continue;
                }
                var name = level.Names[^1];
                level.Names.RemoveAt(level.Names.Count - 1);
                using var entry = DirectoryFd.TryOpenEntry(level.Directory, name);
                if (entry is null)
                {
                    continue;
                }
                if (Take(entry, select, uid, gid))
                {
                    changed++;
                }
                if (DirectoryFd.StatInode(entry).Type == DirectoryType && DirectoryFd.TryOpenDirectory(entry) is { } child)
                {
                    open.Push((child, DirectoryFd.ReadNames(child, out _)));
                }
            }
        }
        finally
        {
            foreach (var (directory, _) in open)
            {
                directory.Dispose();
            }
        }
        return changed;
    }

    private static bool Take(SafeHandle entry, Func<DirectoryFd.Inode, bool> select, int uid, int gid)
    {
        var inode = DirectoryFd.StatInode(entry);
        if (!select(inode))
        {
            return false;
        }
        DirectoryFd.ChangeOwner(entry, uid, gid);
        if (inode.Type == RegularType && (inode.Mode & DirectoryFd.SetUidSetGid) != 0)
        {
            DirectoryFd.ChangeModeOf(entry, inode.Mode & 0x1FF);
        }
        return true;
    }

    private static int WalkByPath(string root, Func<DirectoryFd.Inode, bool> select, int uid, int gid)
    {
        var changed = 0;
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.TryPop(out var path))
        {
            var (type, owner, links) = FileStatus.TypeOwnerLinks(path);
            if (select(new DirectoryFd.Inode(type, owner, links)))
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
