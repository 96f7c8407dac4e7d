using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Labd.Store;

/// <summary>A row of the events table; <see cref="Lab"/> is the lab it belongs to (null: host-wide).</summary>
internal sealed record StoredEvent(long Id, DateTimeOffset At, Actor Actor, string Kind, string? Subject, string? DataJson, string? Lab)
{
    /// <summary>The columns <see cref="Read"/> expects, in order.</summary>
    public const string Columns = "id, at, actor_kind, actor_uid, kind, subject, data, lab_id";

    public static StoredEvent Read(SqliteDataReader reader) => new(
        reader.GetInt64(0),
        DateTimeOffset.Parse(reader.GetString(1), CultureInfo.InvariantCulture),
        new Actor(reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetInt32(3)),
        reader.GetString(4),
        reader.IsDBNull(5) ? null : reader.GetString(5),
        reader.IsDBNull(6) ? null : reader.GetString(6),
        reader.IsDBNull(7) ? null : reader.GetString(7));
}
