using System.Text.Json;
using System.Text.RegularExpressions;
using Labd.Api;
using Labd.Protocol;
using Labd.Store;
using Microsoft.Data.Sqlite;

namespace Labd.Tracker;

/// <summary>
/// The lab's message board. Recipients: <c>all</c>, <c>user</c> (the people), <c>role:R</c>, <c>agent:ID</c>.
/// People see every message of their labs; agents those addressed to them and their own. Listing marks
/// what was shown as read for the reader.
/// </summary>
internal sealed partial class MessageService(StateStore store, LabAccess access)
{
    public const int MaxText = 10_000;

    /// <summary>The longest <c>msg wait</c>; a waiter also rereads this often, in case a wake-up was lost.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromHours(1);
    private static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private TaskCompletionSource _nextSend = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Task NextSend
    {
        get
        {
            lock (_gate)
            {
                return _nextSend.Task;
            }
        }
    }

    public async Task<MessageRecord> SendAsync(Caller caller, string labId, MessageSendRequest request, CancellationToken cancellationToken)
    {
        await access.GetAsync(caller, labId, manage: false, cancellationToken).ConfigureAwait(false);
        var text = (request.Text ?? "").Trim();
        if (text.Length is 0 or > MaxText)
        {
            throw new LabdException(ErrorCode.BadRequest, $"a message needs text of 1 to {MaxText} characters");
        }
        var to = string.IsNullOrEmpty(request.To) ? "all" : request.To;
        if (!RecipientPattern().IsMatch(to))
        {
            throw new LabdException(ErrorCode.BadRequest, $"recipient '{to}' is not valid; use all, user, role:NAME or agent:ID");
        }
        var sender = TrackerCaller.ActorOf(caller);
        var now = Db.Now();
        long id;
        await using (var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var transaction = connection.BeginTransaction(deferred: false);
            id = (long)(await Db.ScalarAsync(connection, transaction,
                "INSERT INTO messages (lab_id, sender, recipient, text, at) VALUES ($lab, $sender, $to, $text, $at) RETURNING id;", cancellationToken,
                ("$lab", labId), ("$sender", sender), ("$to", to), ("$text", text), ("$at", now)).ConfigureAwait(false))!;
            await SearchIndex.PutAsync(connection, transaction, labId, SearchIndex.Message, Db.Text(id), text, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        WakeWaiters();
        var record = new MessageRecord(id, sender, to, text, DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture), Read: true);
        await store.AppendEventAsync(TrackerCaller.EventActor(caller), "msg.send", LabService.Subject(labId),
            JsonSerializer.Serialize(record, ProtocolJsonContext.Default.MessageRecord), cancellationToken).ConfigureAwait(false);
        return record;
    }

    /// <summary>
    /// The unread messages addressed to the caller (marked read) as soon as there are any; an empty
    /// list when <paramref name="timeout"/> passes first. Every send wakes the waiters, which then
    /// read the database again: no message is missed between a read and the next wake-up.
    /// </summary>
    public async Task<IReadOnlyList<MessageRecord>> WaitAsync(Caller caller, string labId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await access.GetAsync(caller, labId, manage: false, cancellationToken).ConfigureAwait(false);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            // Taken before reading: a send that lands after the read completes this task.
            var sent = NextSend;
            await using (var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
            {
                var unread = await ReadAsync(connection, caller, labId, unreadOnly: true, cancellationToken).ConfigureAwait(false);
                if (unread.Count > 0)
                {
                    return unread;
                }
            }
            try
            {
                await sent.WaitAsync(RecheckInterval, deadline.Token).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return [];
            }
        }
    }

    public async Task<IReadOnlyList<MessageRecord>> ListAsync(Caller caller, string labId, bool unreadOnly, CancellationToken cancellationToken)
    {
        await access.GetAsync(caller, labId, manage: false, cancellationToken).ConfigureAwait(false);
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ReadAsync(connection, caller, labId, unreadOnly, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The messages the caller may see (only unread ones addressed to it when <paramref name="unreadOnly"/>), marked read.</summary>
    public static async Task<IReadOnlyList<MessageRecord>> ReadAsync(SqliteConnection connection, Caller caller, string labId, bool unreadOnly, CancellationToken cancellationToken)
    {
        var me = TrackerCaller.ActorOf(caller);
        var rows = await Db.ListAsync(connection, null, """
            SELECT m.id, m.sender, m.recipient, m.text, m.at,
                   EXISTS (SELECT 1 FROM message_reads r WHERE r.message = m.id AND r.reader = $me)
            FROM messages m
            WHERE m.lab_id = $lab AND ($unread = 0 OR (m.sender <> $me AND NOT EXISTS (SELECT 1 FROM message_reads r WHERE r.message = m.id AND r.reader = $me)))
            ORDER BY m.id;
            """, r => new MessageRecord(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), Db.Time(r, 4), r.GetInt64(5) != 0 || r.GetString(1) == me),
            cancellationToken, ("$lab", labId), ("$me", me), ("$unread", unreadOnly ? 1 : 0)).ConfigureAwait(false);
        var shown = rows.Where(m => unreadOnly ? TrackerCaller.Receives(caller, m.Recipient) : MaySee(caller, me, m)).ToList();
        var newlyRead = shown.Where(m => !m.Read).Select(m => m.Id).ToList();
        if (newlyRead.Count > 0)
        {
            await Db.ExecuteAsync(connection, null,
                "INSERT OR IGNORE INTO message_reads (message, reader, at) SELECT value, $me, $at FROM json_each($ids);", cancellationToken,
                ("$me", me), ("$at", Db.Now()), ("$ids", "[" + string.Join(',', newlyRead.Select(Db.Text)) + "]")).ConfigureAwait(false);
        }
        return shown;
    }

    private void WakeWaiters()
    {
        TaskCompletionSource sent;
        lock (_gate)
        {
            sent = _nextSend;
            _nextSend = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        sent.TrySetResult();
    }

    public static bool MaySee(Caller caller, string me, MessageRecord message) =>
        !TrackerCaller.IsSandboxed(caller) || message.Sender == me || TrackerCaller.Receives(caller, message.Recipient);

    [GeneratedRegex("^(all|user|role:[a-z0-9_-]{1,40}|agent:[A-Za-z0-9_.-]{1,64})$")]
    private static partial Regex RecipientPattern();
}
