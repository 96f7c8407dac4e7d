using Labd.Interop;
using Microsoft.Win32.SafeHandles;

namespace Labd.Experiments;

/// <summary>
/// Removes a tree that a sandbox could write (an experiment's tree, a run directory, a lab's state
/// directory with its agents' worktrees) as root without ever following a symlink: every entry is
/// unlinked beneath its already-open parent (<c>unlinkat</c>), and a directory is entered through
/// <c>O_PATH|O_NOFOLLOW</c> of that very name. A directory swapped for a symlink mid-walk is
/// removed as a link; what it pointed at is never touched (Directory.Delete recurses by joined
/// path strings, which such a swap redirects).
/// </summary>
internal static class TreeRemoval
{
    /// <summary>How often a directory may be found changed when it should be empty before removal gives up.</summary>
    internal const int MaxRestarts = 1000;

    /// <summary>Removes <paramref name="root"/> and everything below it; nothing when it does not exist.
    /// <paramref name="root"/>'s own path may hold no symlink.</summary>
    public static void Delete(string root)
    {
        var parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(root))!;
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(root));
        if (DirectoryFd.TryStat(root) is null)
        {
            return;
        }
        using var directory = DirectoryFd.OpenDirectoryNoSymlinks(parent);
        Remove(directory, name);
    }

    /// <summary>Removes <paramref name="name"/> beneath <paramref name="parent"/>, emptying it first when
    /// it is a directory. One descriptor per level is held (depth first).</summary>
    private static void Remove(SafeFileHandle parent, string name)
    {
        var open = new Stack<(SafeFileHandle Parent, string Name, SafeFileHandle? Directory, List<string> Names)>();
        var restarts = 0;
        try
        {
            open.Push((parent, name, null, []));
            while (open.TryPeek(out var level))
            {
                if (level.Directory is null)
                {
                    // Not yet entered: a file, a symlink or an empty directory goes at once.
                    if (DirectoryFd.TryUnlink(level.Parent, level.Name, isDirectory: false))
                    {
                        open.Pop();
                        continue;
                    }
                    var entry = DirectoryFd.TryOpenEntry(level.Parent, level.Name);
                    var directory = entry is null ? null : DirectoryFd.TryOpenDirectory(entry);
                    entry?.Dispose();
                    if (directory is null)
                    {
                        // Gone, or swapped for something that is not a directory: try again as a file.
                        Restarted(ref restarts, level.Name);
                        continue;
                    }
                    open.Pop();
                    open.Push((level.Parent, level.Name, directory, DirectoryFd.ReadNames(directory, out _)));
                    continue;
                }
                if (level.Names.Count > 0)
                {
                    var child = level.Names[^1];
                    level.Names.RemoveAt(level.Names.Count - 1);
                    open.Push((level.Directory, child, null, []));
                    continue;
                }
                open.Pop().Directory!.Dispose();
                if (!DirectoryFd.TryUnlink(level.Parent, level.Name, isDirectory: true))
                {
                    // Something arrived meanwhile, or the name now holds something else: start that name again.
                    Restarted(ref restarts, level.Name);
                    open.Push((level.Parent, level.Name, null, []));
                }
            }
        }
        finally
        {
            foreach (var level in open)
            {
                level.Directory?.Dispose();
            }
        }
    }

    private static void Restarted(ref int restarts, string name)
    {
        if (++restarts > MaxRestarts)
        {
            throw new IOException($"'{name}' keeps changing while it is removed (something is still writing there)");
        }
    }
}
