using System.Text.Json;
using Labd.Api;
using Labd.Protocol;
using Labd.Store;

namespace Labd.Tracker;

/// <summary>Experiment tags of a lab: counts, and renaming (merging into an existing tag).</summary>
internal sealed class TagService(StateStore store, LabAccess access)
{
    public async Task<IReadOnlyList<TagCount>> ListAsync(Caller caller, string labId, CancellationToken cancellationToken)
    {
        await access.GetAsync(caller, labId, manage: false, cancellationToken).ConfigureAwait(false);
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await Db.ListAsync(connection, null, """
            SELECT t.tag, count(*) FROM experiment_tags t JOIN experiments e ON e.id = t.experiment
            WHERE e.lab_id = $lab GROUP BY t.tag ORDER BY count(*) DESC, t.tag;
            """, r => new TagCount(r.GetString(0), r.GetInt64(1)), cancellationToken, ("$lab", labId)).ConfigureAwait(false);
    }

    public async Task<TagRenameResult> RenameAsync(Caller caller, string labId, TagRenameRequest request, CancellationToken cancellationToken)
    {
        await access.GetAsync(caller, labId, manage: false, cancellationToken).ConfigureAwait(false);
        var from = LabNames.CheckTag(request.From);
        var to = LabNames.CheckTag(request.To);
        if (from == to)
        {
            throw new LabdException(ErrorCode.BadRequest, $"tag '{from}' would be renamed to itself; name a different new tag");
        }
        TagRenameResult result;
        await using (var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var transaction = connection.BeginTransaction(deferred: false);
            const string OfLab = "experiment IN (SELECT id FROM experiments WHERE lab_id = $lab)";
            var moved = (long)(await Db.ScalarAsync(connection, transaction, $"SELECT count(*) FROM experiment_tags WHERE tag = $from AND {OfLab};", cancellationToken, ("$lab", labId), ("$from", from)).ConfigureAwait(false))!;
            if (moved == 0)
            {
                throw new LabdException(ErrorCode.NotFound, $"no experiment in lab '{labId}' is tagged '{from}'; `labctl tag ls` lists the tags");
            }
            var merged = (long)(await Db.ScalarAsync(connection, transaction, $"SELECT count(*) FROM experiment_tags WHERE tag = $to AND {OfLab};", cancellationToken, ("$lab", labId), ("$to", to)).ConfigureAwait(false))! > 0;
            await Db.ExecuteAsync(connection, transaction, $"INSERT OR IGNORE INTO experiment_tags (experiment, tag) SELECT experiment, $to FROM experiment_tags WHERE tag = $from AND {OfLab};", cancellationToken,
                ("$lab", labId), ("$from", from), ("$to", to)).ConfigureAwait(false);
            await Db.ExecuteAsync(connection, transaction, $"DELETE FROM experiment_tags WHERE tag = $from AND {OfLab};", cancellationToken, ("$lab", labId), ("$from", from)).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            result = new TagRenameResult(from, to, moved, merged);
        }
        await store.AppendEventAsync(TrackerCaller.EventActor(caller), "tag.rename", LabService.Subject(labId),
            JsonSerializer.Serialize(result, ProtocolJsonContext.Default.TagRenameResult), cancellationToken).ConfigureAwait(false);
        return result;
    }
}
