using System.Net.ServerSentEvents;
using System.Text.Json;
using Labd.Protocol;

namespace Labctl.Client;

/// <summary>
/// An open <c>GET /v1/events</c> stream: labd has answered (so it already counts from this
/// moment), and <see cref="NextAsync"/> reads its records one at a time. An <c>end</c> event from
/// labd becomes a <see cref="LabdApiException"/> naming where to resume.
/// </summary>
internal sealed class EventSubscription : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly Stream _body;
    private readonly IAsyncEnumerator<SseItem<string>> _items;

    private EventSubscription(HttpResponseMessage response, Stream body, CancellationToken cancellationToken)
    {
        _response = response;
        _body = body;
        _items = SseParser.Create(body).EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
    }

    public static async Task<EventSubscription> OpenAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new EventSubscription(response, body, cancellationToken);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>The next record, or null when labd closed the stream (a stream that does not follow ends after the backlog).</summary>
    public async Task<EventRecord?> NextAsync()
    {
        if (!await _items.MoveNextAsync().ConfigureAwait(false))
        {
            return null;
        }
        var item = _items.Current;
        if (item.EventType == EventRecord.EndEventName)
        {
            var end = Parse(item.Data, ProtocolJsonContext.Default.EventStreamEnd);
            throw new LabdApiException("stream-ended", System.Net.HttpStatusCode.OK,
                $"{end.Reason}; resume with `labctl events -f --since {end.LastId.ToString(System.Globalization.CultureInfo.InvariantCulture)}`");
        }
        return Parse(item.Data, ProtocolJsonContext.Default.EventRecord);
    }

    public async ValueTask DisposeAsync()
    {
        await _items.DisposeAsync().ConfigureAwait(false);
        await _body.DisposeAsync().ConfigureAwait(false);
        _response.Dispose();
    }

    private static T Parse<T>(string data, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(data, type) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new LabdApiException("invalid-response", System.Net.HttpStatusCode.OK, $"labd sent an event labctl does not understand ({e.Message}); are labctl and labd the same version? see `labctl version`");
        }
    }
}
