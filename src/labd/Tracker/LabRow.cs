using System.Text.Json;
using Labd.Protocol;
using Labd.Store;
using Microsoft.Data.Sqlite;

namespace Labd.Tracker;

/// <summary>A lab as stored in <c>labs</c>.</summary>
internal sealed record LabRow(string Id, string Path, int OwnerUid, string Policy, string MainBranch, IReadOnlyList<LabMetric> Metrics, DateTimeOffset CreatedAt)
{
    public const string Columns = "id, path, owner_uid, policy, main_branch, metrics, created_at";

    public LabMetric Primary => Metrics[0];

    /// <summary>The named metric's declaration. An undeclared metric is refused rather than
    /// guessed: ranking an undeclared <c>loss</c> as higher-is-better puts the worst run first.</summary>
    public LabMetric MetricOrPrimary(string? name) =>
        string.IsNullOrEmpty(name) ? Primary : Metrics.FirstOrDefault(m => m.Name == name)
            ?? throw new LabdException(ErrorCode.BadRequest,
                $"lab {Id} has no metric '{name}' declared, so labd cannot tell whether higher or lower is better; declare it with `labctl lab metric {name} min --lab {Id}` (or max). Declared: {string.Join(", ", Metrics.Select(m => $"{m.Name} ({m.Direction})"))}");

    /// <summary>The one reader of a lab's row, by id, for every component. Whether a caller may see
    /// it is <see cref="LabAccess.MaySee(Api.Caller, LabRow)"/>'s to say.</summary>
    public static async Task<LabRow?> FindAsync(StateStore store, string id, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await Db.ListAsync(connection, null, $"SELECT {Columns} FROM labs WHERE id = $id;", Read, cancellationToken, ("$id", id)).ConfigureAwait(false);
        return rows.Count > 0 ? rows[0] : null;
    }

    public static LabRow Read(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetInt32(2),
        reader.GetString(3),
        reader.GetString(4),
        JsonSerializer.Deserialize(reader.GetString(5), ProtocolJsonContext.Default.IReadOnlyListLabMetric) ?? [],
        Db.Time(reader, 6));

    public LabRecord ToRecord(LabCounts? counts = null, bool? promptCreated = null, bool? defaultMetrics = null) =>
        new(Id, Path, OwnerUid, Policy, MainBranch, Metrics, CreatedAt, counts, promptCreated, defaultMetrics);
}
