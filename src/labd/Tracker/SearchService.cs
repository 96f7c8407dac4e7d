using System.Text;
using Labd.Api;
using Labd.Protocol;
using Labd.Store;

namespace Labd.Tracker;

/// <summary>
/// Full-text search of a lab's ideas, notes, experiments and messages (FTS5, bm25 order). The user's
/// text never reaches FTS5's query syntax: each whitespace-separated term becomes a quoted string, so
/// quotes, <c>OR</c>, <c>*</c>, <c>:</c> and parentheses are searched for, not interpreted.
/// </summary>
internal sealed class SearchService(StateStore store, LabAccess access)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 200;

    public async Task<IReadOnlyList<SearchHit>> SearchAsync(Caller caller, string labId, string? text, int? limit, CancellationToken cancellationToken)
    {
        await access.GetAsync(caller, labId, manage: false, cancellationToken).ConfigureAwait(false);
        var query = ToFtsQuery(text ?? "");
        if (query is null)
        {
            return [];
        }
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var hits = await Db.ListAsync(connection, null, """
            SELECT kind, ref, snippet(search_index, 3, '[', ']', '…', 12), bm25(search_index)
            FROM search_index
            WHERE search_index MATCH $query AND lab_id = $lab
            ORDER BY bm25(search_index)
            LIMIT $limit;
            """, r => new SearchHit(r.GetString(0), r.GetString(1), r.GetString(2), r.GetDouble(3)), cancellationToken,
            ("$query", query), ("$lab", labId), ("$limit", Math.Clamp(limit ?? DefaultLimit, 1, MaxLimit))).ConfigureAwait(false);
        if (!TrackerCaller.IsSandboxed(caller) || hits.All(h => h.Kind != SearchIndex.Message))
        {
            return hits;
        }
        // Agents find only the messages they may read.
        var me = TrackerCaller.ActorOf(caller);
        var visible = await Db.ListAsync(connection, null, "SELECT id, sender, recipient FROM messages WHERE lab_id = $lab;",
            r => (Id: Db.Text(r.GetInt64(0)), Sender: r.GetString(1), Recipient: r.GetString(2)), cancellationToken, ("$lab", labId)).ConfigureAwait(false);
        var allowed = visible.Where(m => m.Sender == me || TrackerCaller.Receives(caller, m.Recipient)).Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
        return [.. hits.Where(h => h.Kind != SearchIndex.Message || allowed.Contains(h.Ref))];
    }

    /// <summary>The FTS5 query for the user's text: each term quoted (inner quotes doubled), all terms required; null when there is no term.</summary>
    public static string? ToFtsQuery(string text)
    {
        var terms = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => t.Replace("\0", "", StringComparison.Ordinal))
            .Where(t => t.Length > 0)
            .ToList();
        if (terms.Count == 0)
        {
            return null;
        }
        var query = new StringBuilder();
        foreach (var term in terms)
        {
            if (query.Length > 0)
            {
                query.Append(' ');
            }
            query.Append('"').Append(term.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
        }
        return query.ToString();
    }
}
