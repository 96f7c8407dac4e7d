using System.Globalization;
using System.Text;
using System.Text.Json;
using Labd.Api;
using Labd.Protocol;
using Labd.Store;

namespace Labd.Events;

/// <summary>
/// <c>GET /v1/events</c> as server-sent events: each record is <c>id: N</c> and <c>data: JSON</c>
/// (<see cref="EventRecord"/>). It starts after <c>Last-Event-ID</c> or <c>?since=</c>, else with the
/// last <c>tail</c> events (following: only new ones), and with <c>follow</c> stays open, awaiting
/// <see cref="EventFeed"/> between reads. It reads from the database, never from a buffer, so a slow
/// follower costs labd nothing but its socket; one that stops reading for <see cref="WriteTimeout"/>
/// is disconnected (it resumes with <c>Last-Event-ID</c> and loses nothing). A follower whose next
/// event was pruned, and every follower when labd stops, gets an <c>end</c> event saying why.
/// </summary>
internal static class EventStream
{
    internal const int DefaultTail = 100;
    internal const int MaxTail = 10_000;

    /// <summary>How long one write may wait for a follower that does not read.</summary>
    internal static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(30);

    public static async Task WriteAsync(HttpContext context, Caller caller, EventReader reader, EventFilter filter, long? since, int? tail, bool follow)
    {
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        var aborted = context.RequestAborted;
        var (newest, oldest) = await reader.BoundsAsync(aborted).ConfigureAwait(false);
        var start = StartAfter(context, since, newest, oldest);
        if (tail is < 1 or > MaxTail)
        {
            throw new LabdException(ErrorCode.BadRequest, $"tail must be from 1 to {MaxTail}, not {tail}");
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        // The answer now, not with the first event: a follower (labctl exp wait --any) counts from it. Kestrel
        // sends a chunked response's headers only with its first bytes, so those are an SSE comment.
        await context.Response.WriteAsync(": labd events\n\n", aborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(aborted).ConfigureAwait(false);
        long after;
        if (start is { } s)
        {
            after = s;
        }
        else if (follow && tail is null)
        {
            after = newest;
        }
        else
        {
            var last = await reader.TailAsync(caller, filter, tail ?? DefaultTail, aborted).ConfigureAwait(false);
            if (!await SendAsync(context, last).ConfigureAwait(false))
            {
                return;
            }
            after = last.Count > 0 ? last[^1].Id : newest;
            // The tail was read after the bounds: follow on from what it showed, or from the newest id seen then.
            after = Math.Max(after, newest);
            if (!follow)
            {
                return;
            }
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, stopping);
        try
        {
            while (true)
            {
                var next = reader.Feed.Next;
                var (events, scanned) = await reader.ReadAfterAsync(caller, filter, after, linked.Token).ConfigureAwait(false);
                if (scanned > after && await PrunedPastAsync(reader, after, linked.Token).ConfigureAwait(false))
                {
                    await EndAsync(context, $"the events after {after} were pruned before this stream read them (labd keeps the newest {StateStore.RetainedEvents}); reconnect without since to go on from now", after).ConfigureAwait(false);
                    return;
                }
                if (!await SendAsync(context, events).ConfigureAwait(false))
                {
                    return;
                }
                if (scanned > after)
                {
                    after = scanned;
                    continue;
                }
                if (!follow)
                {
                    return;
                }
                await next.WaitAsync(linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested && !aborted.IsCancellationRequested)
        {
            await EndAsync(context, LongPoll.ShuttingDown, after).ConfigureAwait(false);
        }
    }

    /// <summary>Where to start: <c>Last-Event-ID</c> (a reconnecting EventSource) before <c>?since=</c>;
    /// an id this database never gave, or one whose successors were pruned, is a one-line error.</summary>
    private static long? StartAfter(HttpContext context, long? since, long newest, long? oldest)
    {
        var header = context.Request.Headers["Last-Event-ID"].ToString();
        if (header.Length > 0)
        {
            since = long.TryParse(header, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                ? id
                : throw new LabdException(ErrorCode.BadRequest, $"Last-Event-ID '{Shorten(header)}' is not an event id; send the id: of the last event received");
        }
        if (since is not { } after)
        {
            return null;
        }
        if (after < 0 || after > newest)
        {
            throw new LabdException(ErrorCode.BadRequest, $"since={after} is not an event id of this labd (its newest is {newest}); resume from an id it sent, or leave since out");
        }
        if (oldest is { } first && after + 1 < first)
        {
            throw new LabdException(ErrorCode.Conflict, $"the events after {after} up to {first - 1} were pruned (labd keeps the newest {StateStore.RetainedEvents}); resume with since={first - 1} to read what is left, or leave since out");
        }
        return after;
    }

    private static async Task<bool> PrunedPastAsync(EventReader reader, long after, CancellationToken cancellationToken) =>
        (await reader.BoundsAsync(cancellationToken).ConfigureAwait(false)).Oldest is { } first && after + 1 < first;

    /// <summary>False when the follower was dropped.</summary>
    private static async Task<bool> SendAsync(HttpContext context, IReadOnlyList<EventRecord> events)
    {
        if (events.Count == 0)
        {
            return true;
        }
        var text = new StringBuilder();
        foreach (var e in events)
        {
            // The JSON is one line (no indentation; newlines inside strings are escaped), as SSE data must be.
            text.Append("id: ").Append(e.Id.ToString(CultureInfo.InvariantCulture)).Append('\n')
                .Append("data: ").Append(JsonSerializer.Serialize(e, ProtocolJsonContext.Default.EventRecord)).Append("\n\n");
        }
        return await WriteBoundedAsync(context, text.ToString()).ConfigureAwait(false);
    }

    private static Task<bool> EndAsync(HttpContext context, string reason, long lastId) =>
        WriteBoundedAsync(context, $"event: {EventRecord.EndEventName}\ndata: {JsonSerializer.Serialize(new EventStreamEnd(reason, lastId), ProtocolJsonContext.Default.EventStreamEnd)}\n\n");

    /// <summary>Writes and flushes, giving a follower that does not read <see cref="WriteTimeout"/>; then drops it
    /// (aborts the connection: with its socket full, no parting words would reach it) and answers false.</summary>
    private static async Task<bool> WriteBoundedAsync(HttpContext context, string text)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(WriteTimeout);
        try
        {
            await context.Response.WriteAsync(text, Encoding.UTF8, timeout.Token).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            context.Abort();
            return false;
        }
    }

    private static string Shorten(string text) => new([.. text.Take(40).Select(c => char.IsControl(c) ? '?' : c)]);
}
