using Labd.Interop;

namespace Labd.Experiments;

/// <summary>
/// <c>&lt;state&gt;/labs/&lt;lab&gt;</c>, above the lab's experiment trees and its agents' worktrees:
/// root's, mode 0700, with a POSIX ACL entry that lets the lab's owner (and no one else) search
/// and list it, so only root and the owner reach the trees below; the directories under it stay
/// 0711 (issue 13: before, every local user could read a tree at its guessable path). Sandboxes
/// never walk it: the supervisor, as root, pins and stages each bind source (<c>BindStage</c>).
/// </summary>
internal static class LabDirectory
{
    /// <summary>Creates the lab's directory if needed and (re)sets its mode and ACL; returns its path.</summary>
    public static string Prepare(string stateDirectory, string labId, int ownerUid) => Prepare(stateDirectory, labId, ownerUid, out _);

    /// <summary><paramref name="ownerOnly"/> is false where the state directory's filesystem has no
    /// POSIX ACLs (EOPNOTSUPP): the directory then keeps the old 0711, because the owner (and
    /// labd's git work under the owner's fsuid) must still reach the trees.</summary>
    public static string Prepare(string stateDirectory, string labId, int ownerUid, out bool ownerOnly)
    {
        TreeOwnership.PrepareParents(stateDirectory, "labs", labId);
        var path = Path.Combine(stateDirectory, "labs", labId);
        // The mode first: setting the ACL afterwards makes the group bits its mask (r-x); a chmod
        // after it would mask the owner's entry away.
        Chmod.Set(path, 0b111_000_000);
        try
        {
            PosixAcl.Set(path, PosixAcl.Read | PosixAcl.Write | PosixAcl.Execute, ownerUid, PosixAcl.Read | PosixAcl.Execute);
            ownerOnly = true;
        }
        catch (System.ComponentModel.Win32Exception e) when (e.NativeErrorCode == Errno.EOPNOTSUPP)
        {
            Chmod.Set(path, 0b111_001_001);
            ownerOnly = false;
        }
        return path;
    }
}
