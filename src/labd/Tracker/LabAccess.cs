using Labd.Api;
using Labd.Protocol;
using Labd.Store;

namespace Labd.Tracker;

/// <summary>
/// Who may touch which lab: users their own (owner_uid), admins all, agents and experiments only the
/// lab of their sandbox's scope, and never its settings. Anything else reads as "no such lab", so that
/// nobody learns the names of other people's labs.
/// </summary>
internal sealed class LabAccess(StateStore store)
{
    /// <summary>The lab <paramref name="id"/> as <paramref name="caller"/> may see it; <paramref name="manage"/>: init/rm/metric.</summary>
    public async Task<LabRow> GetAsync(Caller caller, string id, bool manage, CancellationToken cancellationToken)
    {
        var lab = await LabRow.FindAsync(store, id, cancellationToken).ConfigureAwait(false);
        if (lab is null || !MaySee(caller, lab))
        {
            throw NotFound(id);
        }
        if (manage && TrackerCaller.IsSandboxed(caller))
        {
            throw new LabdException(ErrorCode.Forbidden, $"a sandboxed {caller.KindName} cannot change lab {id}'s settings; ask its owner to run `labctl lab` outside the sandbox");
        }
        return lab;
    }

    /// <summary>Every lab the caller may see.</summary>
    public async Task<IReadOnlyList<LabRow>> ListAsync(Caller caller, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await Db.ListAsync(connection, null, $"SELECT {LabRow.Columns} FROM labs ORDER BY id;", LabRow.Read, cancellationToken).ConfigureAwait(false);
        return [.. rows.Where(r => MaySee(caller, r))];
    }

    public static bool MaySee(Caller caller, LabRow lab) => MaySee(caller, lab.Id, lab.OwnerUid);

    /// <summary>The one visibility rule, for any reader of a lab's id and owner.</summary>
    public static bool MaySee(Caller caller, string labId, int ownerUid) => caller.Kind switch
    {
        CallerKind.Admin => true,
        CallerKind.User => ownerUid == caller.Uid,
        _ => caller.Scope?.LabId == labId,
    };

    public static LabdException NotFound(string id) =>
        new(ErrorCode.LabNotFound, $"lab '{id}' not found; `labctl lab ls` lists yours");
}
