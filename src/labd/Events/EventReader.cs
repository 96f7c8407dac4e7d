using System.Text.Json;
using Labd.Api;
using Labd.Protocol;
using Labd.Store;
using Labd.Tracker;

namespace Labd.Events;

/// <summary>
/// Reads the events a caller may see from the events table: those of labs
/// <see cref="LabAccess.MaySee(Caller, string, int)"/> lets it see; host-wide ones (no lab, or a
/// lab since removed) only for admins.
/// </summary>
internal sealed class EventReader(StateStore store) : IDisposable
{
    /// <summary>Rows scanned per query; a follower reads in batches of this many.</summary>
    internal const int Batch = 500;

    /// <summary>Queries of the events table at once. Every commit wakes every follower; without a bound, N
    /// followers would each hold a pooled SQLite connection (and its page cache) at the same moment.</summary>
    internal const int ConcurrentReads = 4;

    private readonly SemaphoreSlim _reads = new(ConcurrentReads, ConcurrentReads);

    public EventFeed Feed => store.Feed;

    /// <summary>The visible events after <paramref name="after"/> (oldest first) in one batch, and the last id
    /// scanned (visible or not): the next batch starts there.</summary>
    public async Task<(IReadOnlyList<EventRecord> Events, long Scanned)> ReadAfterAsync(Caller caller, EventFilter filter, long after, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(filter, "e.id > $after ORDER BY e.id LIMIT " + Batch, after, cancellationToken).ConfigureAwait(false);
        return ([.. rows.Where(r => Visible(caller, r.Event.Lab, r.Owner)).Select(r => ToRecord(r.Event))], rows.Count > 0 ? rows[^1].Event.Id : after);
    }

    /// <summary>The last <paramref name="count"/> visible events, oldest first (at most <see cref="Batch"/> × 20 rows scanned).</summary>
    public async Task<IReadOnlyList<EventRecord>> TailAsync(Caller caller, EventFilter filter, int count, CancellationToken cancellationToken)
    {
        var found = new List<EventRecord>();
        var before = long.MaxValue;
        for (var round = 0; round < 20 && found.Count < count; round++)
        {
            var rows = await QueryAsync(filter, "e.id < $after ORDER BY e.id DESC LIMIT " + Batch, before, cancellationToken).ConfigureAwait(false);
            found.AddRange(rows.Where(r => Visible(caller, r.Event.Lab, r.Owner)).Select(r => ToRecord(r.Event)).Take(count - found.Count));
            if (rows.Count < Batch)
            {
                break;
            }
            before = rows[^1].Event.Id;
        }
        found.Reverse();
        return found;
    }

    /// <summary>The newest id ever given (pruned or not; 0 before the first event) and the oldest id still kept (null when none is).</summary>
    public async Task<(long Newest, long? Oldest)> BoundsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var newest = await Db.ScalarAsync(connection, null, "SELECT seq FROM sqlite_sequence WHERE name = 'events';", cancellationToken).ConfigureAwait(false);
        var oldest = await Db.ScalarAsync(connection, null, "SELECT min(id) FROM events;", cancellationToken).ConfigureAwait(false);
        return (newest is long n ? n : 0, oldest is long o ? o : null);
    }

    private static bool Visible(Caller caller, string? lab, int? owner) =>
        caller.IsAdmin || (lab is not null && owner is { } uid && LabAccess.MaySee(caller, lab, uid));

    public void Dispose() => _reads.Dispose();

    private async Task<List<(StoredEvent Event, int? Owner)>> QueryAsync(EventFilter filter, string order, long after, CancellationToken cancellationToken)
    {
        var (where, parameters) = filter.Where();
        var columns = string.Join(", ", StoredEvent.Columns.Split(", ").Select(c => "e." + c));
        await _reads.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            return await Db.ListAsync(
                connection,
                null,
                $"SELECT {columns}, l.owner_uid FROM events e LEFT JOIN labs l ON l.id = e.lab_id WHERE {where} AND {order};",
                r => (StoredEvent.Read(r), r.IsDBNull(8) ? (int?)null : r.GetInt32(8)),
                cancellationToken,
                [.. parameters, ("$after", after)]).ConfigureAwait(false);
        }
        finally
        {
            _reads.Release();
        }
    }

    internal static EventRecord ToRecord(StoredEvent e)
    {
        JsonElement? data = null;
        if (e.DataJson is { } json)
        {
            using var document = JsonDocument.Parse(json);
            data = document.RootElement.Clone();
        }
        return new EventRecord(e.Id, e.At, e.Kind, e.Lab, e.Subject, e.Actor.Kind, e.Actor.Uid, data);
    }
}
