using System.Globalization;
using Labd.Interop;
using Microsoft.Win32.SafeHandles;

namespace Labd.Runs;

/// <summary>
/// Where every pinned bind source is staged before bwrap sees it. bwrap runs as the sandbox uid and
/// resolves each bind's source by path, even with <c>--bind-fd</c> (it turns the descriptor back
/// into <c>/proc/self/fd/N</c>'s target and walks it): a source under a directory that uid cannot
/// search (a 0700 home made by Debian's adduser, a 0700 <c>mktemp -d</c>) fails with EACCES. So the
/// supervisor, still root, moves its thread into a private mount namespace (nothing propagates to
/// the host) and binds each pinned descriptor onto <c>&lt;runDir&gt;/binds/N</c>, a root-owned
/// entry in a root-owned 0711 directory; bwrap then gets a descriptor of that mount, whose path the
/// sandbox uid can walk. The staged mount is the pinned file itself (same device and inode, which
/// <see cref="MountCheck"/> still verifies at the destination), and the entries are root's, so no
/// one but root can swap them. The namespace lives with the supervisor and its chain: the host
/// never sees the mounts and nothing needs unmounting after a crash.
/// </summary>
/// <remarks>Only the calling thread enters the namespace (<see cref="Mounts.UnsharePrivateNamespace"/>):
/// create the stage on the thread that then starts the chain (<see cref="SandboxChain.Start"/>).</remarks>
internal sealed class BindStage : IDisposable
{
    private readonly string _directory;
    private readonly List<string> _entries = [];

    private BindStage(string directory, int threadId)
    {
        _directory = directory;
        ThreadId = threadId;
    }

    /// <summary>The managed thread that is in the stage's namespace and must fork the chain.</summary>
    public int ThreadId { get; }

    /// <summary>Enters a private mount namespace and makes the (empty, root-owned, 0711) staging directory.</summary>
    public static BindStage Enter(string directory)
    {
        Mounts.UnsharePrivateNamespace();
        // Left by a supervisor that ran before for this run (never two at once): its mounts were
        // in its own namespace, so the entries here are empty.
        RemoveEntries(directory);
        Chmod.CreateDirectory(directory, 0b111_001_001);
        return new BindStage(directory, Environment.CurrentManagedThreadId);
    }

    /// <summary>Binds the file <paramref name="pinned"/> refers to onto a new staging entry and returns a
    /// descriptor of the staged mount (inheritable, for bwrap), or throws <see cref="SandboxSetupException"/>.</summary>
    public SafeFileHandle Stage(SafeFileHandle pinned, string rulePath)
    {
        var entry = Path.Combine(_directory, _entries.Count.ToString(CultureInfo.InvariantCulture));
        try
        {
            if (FileStatus.IsDirectory(pinned))
            {
                Chmod.CreateDirectory(entry, 0b111_000_000);
            }
            else
            {
                ExclusiveFile.TryCreate(_directory, Path.GetFileName(entry), [], 0, 0, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            _entries.Add(entry);
            Mounts.BindDescriptor(pinned, entry);
        }
        catch (Exception e) when (e is IOException or System.ComponentModel.Win32Exception or UnauthorizedAccessException)
        {
            throw new SandboxSetupException($"cannot stage '{rulePath}' for binding: {e.Message}");
        }
        return OpenAt2.TryOpenPathNoSymlinks(entry, inheritable: true, out var errno)
            ?? throw new SandboxSetupException($"cannot open the staged bind of '{rulePath}': {new System.ComponentModel.Win32Exception(errno).Message}");
    }

    /// <summary>Detaches the staged mounts (bwrap's binds of them live on in the sandbox) and removes the entries.</summary>
    public void Dispose()
    {
        foreach (var entry in _entries)
        {
            Mounts.TryDetach(entry);
        }
        _entries.Clear();
        RemoveEntries(_directory);
    }

    /// <summary>Removes the staging directory entry by entry, never recursively: an entry that is
    /// still a mount point holds a user's tree, which must not be walked (rmdir and unlink of a
    /// mount point fail with EBUSY, and the entry is left).</summary>
    private static void RemoveEntries(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }
        foreach (var entry in Directory.EnumerateFileSystemEntries(directory))
        {
            try
            {
                if (Directory.Exists(entry))
                {
                    Directory.Delete(entry);
                }
                else
                {
                    File.Delete(entry);
                }
            }
            catch (IOException)
            {
            }
        }
        try
        {
            Directory.Delete(directory);
        }
        catch (IOException)
        {
        }
    }
}
