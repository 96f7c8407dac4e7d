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
    public static string Prepare(string stateDirectory, string labId, int ownerUid)
    {
        TreeOwnership.PrepareParents(stateDirectory, "labs", labId);
        var path = Path.Combine(stateDirectory, "labs", labId);
        Chmod.Set(path, 0b111_000_000);
        PosixAcl.Set(path, PosixAcl.Read | PosixAcl.Write | PosixAcl.Execute, ownerUid, PosixAcl.Read | PosixAcl.Execute);
        return path;
    }
}
