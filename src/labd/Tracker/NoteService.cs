using System.Text.Json;
using Labd.Api;
using Labd.Protocol;
using Labd.Store;

namespace Labd.Tracker;

/// <summary>The lab's notebook: notes at a level (insight, milestone, observation, debug), optionally about an idea.</summary>
internal sealed class NoteService(StateStore store, LabAccess access)
{
    public const int MaxText = 20_000;
    public const string DefaultLevel = "observation";
    public static readonly string[] Levels = ["insight", "milestone", "observation", "debug"];

    public async Task<NoteRecord> AddAsync(Caller caller, string labId, NoteAddRequest request, CancellationToken cancellationToken)
    {
        await access.GetAsync(caller, labId, manage: false, cancellationToken).ConfigureAwait(false);
        var text = (request.Text ?? "").Trim();
        if (text.Length is 0 or > MaxText)
        {
            throw new LabdException(ErrorCode.BadRequest, $"a note needs text of 1 to {MaxText} characters, e.g. `labctl note add \"warmup matters\" --idea 3`");
        }
        var level = CheckLevel(request.Level) ?? DefaultLevel;
        var author = TrackerCaller.ActorOf(caller);
        var now = Db.Now();
        long id;
        await using (var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var transaction = connection.BeginTransaction(deferred: false);
            if (request.Idea is { } idea && await Db.ScalarAsync(connection, transaction, "SELECT 1 FROM ideas WHERE lab_id = $lab AND number = $n;", cancellationToken, ("$lab", labId), ("$n", idea)).ConfigureAwait(false) is null)
            {
                throw new LabdException(ErrorCode.IdeaNotFound, $"idea {idea} not found in lab '{labId}'; `labctl idea ls` lists them");
            }
            id = (long)(await Db.ScalarAsync(connection, transaction,
                "INSERT INTO notes (lab_id, idea, experiment, level, text, author, at) VALUES ($lab, $idea, NULL, $level, $text, $author, $at) RETURNING id;", cancellationToken,
                ("$lab", labId), ("$idea", request.Idea), ("$level", level), ("$text", text), ("$author", author), ("$at", now)).ConfigureAwait(false))!;
            await SearchIndex.PutAsync(connection, transaction, labId, SearchIndex.Note, Db.Text(id), text, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        var record = new NoteRecord(id, request.Idea, null, level, text, author, DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture));
        await store.AppendEventAsync(TrackerCaller.EventActor(caller), "note.add", LabService.Subject(labId),
            JsonSerializer.Serialize(record, ProtocolJsonContext.Default.NoteRecord), cancellationToken).ConfigureAwait(false);
        return record;
    }

    public async Task<IReadOnlyList<NoteRecord>> ListAsync(Caller caller, string labId, int? idea, string? level, CancellationToken cancellationToken)
    {
        await access.GetAsync(caller, labId, manage: false, cancellationToken).ConfigureAwait(false);
        CheckLevel(level);
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await Db.ListAsync(connection, null,
            $"SELECT {IdeaRows.NoteColumns} FROM notes WHERE lab_id = $lab AND ($idea IS NULL OR idea = $idea) AND ($level IS NULL OR level = $level) ORDER BY id;",
            IdeaRows.Note, cancellationToken, ("$lab", labId), ("$idea", idea), ("$level", level)).ConfigureAwait(false);
    }

    private static string? CheckLevel(string? level) =>
        level is null || Levels.Contains(level)
            ? level
            : throw new LabdException(ErrorCode.BadRequest, $"level '{level}' is not one of {string.Join(", ", Levels)}");
}
