using System.Globalization;
using Labd.Hosting;
using Labd.Interop;
using Labd.Protocol;

namespace Labd.Api;

/// <summary>
/// Maps peer credentials on the main API socket to a <see cref="Caller"/>: root or a member of
/// the admins group is an admin, a member of the users group a user, anyone else is refused.
/// Group names come from the configuration in force, so a reload changes them.
/// </summary>
internal sealed class CallerResolver(UnixAccounts accounts, LabdSettings settings)
{
    /// <summary>Returns the caller, or throws <see cref="LabdException"/> with <see cref="ErrorCode.NotAMember"/>.</summary>
    public Caller Resolve(PeerCredentials peer)
    {
        var groups = settings.Current.Groups;
        var name = accounts.UserName(peer.Uid) ?? peer.Uid.ToString(CultureInfo.InvariantCulture);
        if (peer.Uid == 0 || accounts.IsMember(peer.Uid, peer.Gid, groups.Admins))
        {
            return new Caller(CallerKind.Admin, peer.Uid, peer.Gid, peer.Pid, name);
        }
        if (accounts.IsMember(peer.Uid, peer.Gid, groups.Users))
        {
            return new Caller(CallerKind.User, peer.Uid, peer.Gid, peer.Pid, name);
        }
        throw new LabdException(
            ErrorCode.NotAMember,
            $"uid {peer.Uid} ({name}) is not in group '{groups.Users}'; ask an admin to run `usermod -aG {groups.Users} {name}`, then log in again");
    }
}
