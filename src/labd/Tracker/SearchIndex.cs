using Microsoft.Data.Sqlite;

namespace Labd.Tracker;

/// <summary>
/// The tracker's rows of the FTS5 <c>search_index</c> (ideas, notes, messages), written in the same
/// transaction as the row they describe so the index never disagrees with the tables.
/// </summary>
internal static class SearchIndex
{
    public const string Idea = "idea";
    public const string Note = "note";
    public const string Message = "message";

    public static async Task PutAsync(SqliteConnection connection, SqliteTransaction transaction, string lab, string kind, string reference, string text, CancellationToken cancellationToken)
    {
        await Db.ExecuteAsync(connection, transaction, "DELETE FROM search_index WHERE lab_id = $lab AND kind = $kind AND ref = $ref;", cancellationToken,
            ("$lab", lab), ("$kind", kind), ("$ref", reference)).ConfigureAwait(false);
        await Db.ExecuteAsync(connection, transaction, "INSERT INTO search_index (lab_id, kind, ref, text) VALUES ($lab, $kind, $ref, $text);", cancellationToken,
            ("$lab", lab), ("$kind", kind), ("$ref", reference), ("$text", text)).ConfigureAwait(false);
    }

    public static string IdeaText(string title, string description, string? conclusion) =>
        string.Join('\n', new[] { title, description, conclusion ?? "" }.Where(s => s.Length > 0));
}
