using System.Text.Json;
using Labd.Protocol;
using Microsoft.Data.Sqlite;

namespace Labd.Tracker;

/// <summary>Reading ideas and notes out of their tables.</summary>
internal static class IdeaRows
{
    public const string IdeaColumns = "number, title, description, status, parents, branch, base_commit, conclusion, created_by, created_at, updated_at";
    public const string NoteColumns = "id, idea, experiment, level, text, author, at";

    public static IdeaRecord Idea(SqliteDataReader r) => new(
        r.GetInt32(0),
        r.GetString(1),
        r.GetString(2),
        r.GetString(3),
        JsonSerializer.Deserialize(r.GetString(4), ProtocolJsonContext.Default.IReadOnlyListInt32) ?? [],
        r.GetString(5),
        r.GetString(6),
        Db.StringOrNull(r, 7),
        r.GetString(8),
        Db.Time(r, 9),
        Db.Time(r, 10));

    public static NoteRecord Note(SqliteDataReader r) => new(
        r.GetInt64(0),
        r.IsDBNull(1) ? null : r.GetInt32(1),
        r.IsDBNull(2) ? null : r.GetInt64(2),
        r.GetString(3),
        r.GetString(4),
        r.GetString(5),
        Db.Time(r, 6));
}
