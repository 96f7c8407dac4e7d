using System.Globalization;
using System.Text.Json;
using Labd.Protocol;
using Labd.Store;
using Microsoft.Data.Sqlite;

namespace Labd.Runs;

/// <summary>The <c>runs</c> table: who started what under which policy, and how it ended.</summary>
internal sealed class RunStore(StateStore store)
{
    internal const string AllColumns = "id, created_at, caller_uid, caller_kind, policy, policy_hash, command, working_directory, gpus, status, outcome, exit_code, message, started_at, ended_at";

    public async Task InsertAsync(RunRecord run, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"INSERT INTO runs ({AllColumns}) VALUES ($id, $created, $uid, $kind, $policy, $hash, $command, $cwd, $gpus, $status, NULL, NULL, NULL, NULL, NULL)";
        command.Parameters.AddWithValue("$id", run.Id);
        command.Parameters.AddWithValue("$created", Time(run.CreatedAt));
        command.Parameters.AddWithValue("$uid", run.CallerUid);
        command.Parameters.AddWithValue("$kind", run.CallerKind);
        command.Parameters.AddWithValue("$policy", run.Policy);
        command.Parameters.AddWithValue("$hash", run.PolicyHash);
        command.Parameters.AddWithValue("$command", JsonSerializer.Serialize(run.Command, RunsApiJsonContext.Default.IReadOnlyListString));
        command.Parameters.AddWithValue("$cwd", run.WorkingDirectory);
        command.Parameters.AddWithValue("$gpus", run.Gpus);
        command.Parameters.AddWithValue("$status", run.Status);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records the end; false when it was already recorded (the end is written once).</summary>
    public async Task<bool> MarkEndedAsync(string id, RunExit exit, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE runs SET status = $status, outcome = $outcome, exit_code = $code, message = $message, started_at = $started, ended_at = $ended WHERE id = $id AND status <> $status";
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$status", RunRecord.Ended);
        command.Parameters.AddWithValue("$outcome", OutcomeName(exit.Outcome));
        command.Parameters.AddWithValue("$code", (object?)exit.ExitCode ?? DBNull.Value);
        command.Parameters.AddWithValue("$message", (object?)exit.Message ?? DBNull.Value);
        command.Parameters.AddWithValue("$started", Time(exit.StartedAt));
        command.Parameters.AddWithValue("$ended", Time(exit.EndedAt));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task<RunRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync("WHERE id = $id", p => p.AddWithValue("$id", id), cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Runs of <paramref name="callerUid"/>, or every run when null; newest first.</summary>
    public Task<IReadOnlyList<RunRecord>> ListAsync(int? callerUid, CancellationToken cancellationToken) =>
        callerUid is { } uid
            ? QueryAsync("WHERE caller_uid = $uid ORDER BY created_at DESC", p => p.AddWithValue("$uid", uid), cancellationToken)
            : QueryAsync("ORDER BY created_at DESC", _ => { }, cancellationToken);

    public Task<IReadOnlyList<RunRecord>> ListRunningAsync(CancellationToken cancellationToken) =>
        QueryAsync("WHERE status = $status", p => p.AddWithValue("$status", RunRecord.Running), cancellationToken);

    public static string OutcomeName(RunOutcome outcome) => outcome switch
    {
        RunOutcome.Exited => "exited",
        RunOutcome.TimedOut => "timed-out",
        RunOutcome.Cancelled => "cancelled",
        RunOutcome.SetupFailed => "setup-failed",
        _ => "lost",
    };

    private async Task<IReadOnlyList<RunRecord>> QueryAsync(string where, Action<SqliteParameterCollection> bind, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {AllColumns} FROM runs {where}";
        bind(command.Parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var runs = new List<RunRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            runs.Add(new RunRecord(
                reader.GetString(0),
                ParseTime(reader.GetString(1)),
                reader.GetInt32(2),
                reader.GetString(3),
                reader.GetString(4),
                reader.GetString(5),
                JsonSerializer.Deserialize(reader.GetString(6), RunsApiJsonContext.Default.IReadOnlyListString) ?? [],
                reader.GetString(7),
                reader.GetInt32(8),
                reader.GetString(9),
                reader.IsDBNull(10) ? null : reader.GetString(10),
                reader.IsDBNull(11) ? null : reader.GetInt32(11),
                reader.IsDBNull(12) ? null : reader.GetString(12),
                reader.IsDBNull(13) ? null : ParseTime(reader.GetString(13)),
                reader.IsDBNull(14) ? null : ParseTime(reader.GetString(14))));
        }
        return runs;
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}
