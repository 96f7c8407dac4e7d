using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Threading.Channels;
using Labd.IntegrationTests.Daemon;
using Labd.Protocol;

namespace Labd.IntegrationTests.Experiments;

/// <summary>
/// A client of <c>GET /v1/events</c> as a dashboard is one: it reads the server-sent events as they
/// arrive and stamps each with the moment it was parsed, so a test can measure how late it came.
/// The stream's end (labd's <c>end</c> event, or the connection closing) completes the reader.
/// </summary>
internal sealed class EventFollower : IAsyncDisposable
{
    private readonly HttpClient _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<(EventRecord Record, DateTimeOffset Arrived)> _events = Channel.CreateUnbounded<(EventRecord, DateTimeOffset)>();
    private readonly Task _reading;

    private EventFollower(HttpClient client, Stream body)
    {
        _client = client;
        _reading = Task.Run(() => ReadAsync(body));
    }

    /// <summary>labd's <c>end</c> event, when it sent one.</summary>
    public EventStreamEnd? End { get; private set; }

    public static async Task<EventFollower> OpenAsync(string socketPath, string route, CancellationToken cancellationToken, long? lastEventId = null)
    {
        var client = UnixHttp.Create(socketPath);
        client.Timeout = Timeout.InfiniteTimeSpan;
        var request = new HttpRequestMessage(HttpMethod.Get, route);
        if (lastEventId is { } id)
        {
            request.Headers.Add("Last-Event-ID", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            // Only a refusal has a body that ends; a stream's is read below.
            Assert.Fail($"GET {route}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new EventFollower(client, await response.Content.ReadAsStreamAsync(cancellationToken));
    }

    /// <summary>Records until one matches <paramref name="last"/> (included).</summary>
    public async Task<List<(EventRecord Record, DateTimeOffset Arrived)>> UntilAsync(Func<EventRecord, bool> last, CancellationToken cancellationToken)
    {
        var seen = new List<(EventRecord, DateTimeOffset)>();
        while (true)
        {
            if (!await _events.Reader.WaitToReadAsync(cancellationToken))
            {
                Assert.Fail($"the stream ended before the awaited event; seen: {string.Join(", ", seen.Select(s => s.Item1.Id + " " + s.Item1.Kind))}; end: {End}");
            }
            while (_events.Reader.TryRead(out var item))
            {
                seen.Add(item);
                if (last(item.Record))
                {
                    return seen;
                }
            }
        }
    }

    /// <summary>Everything left until the stream ends.</summary>
    public async Task<List<EventRecord>> RestAsync(CancellationToken cancellationToken)
    {
        var rest = new List<EventRecord>();
        await foreach (var (record, _) in _events.Reader.ReadAllAsync(cancellationToken))
        {
            rest.Add(record);
        }
        return rest;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _client.Dispose();
        try
        {
            await _reading;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException or ObjectDisposedException)
        {
            // The connection was closed under the reader: that is how a follower disconnects.
        }
        _stop.Dispose();
    }

    private async Task ReadAsync(Stream body)
    {
        try
        {
            await foreach (var item in SseParser.Create(body).EnumerateAsync(_stop.Token))
            {
                var arrived = DateTimeOffset.UtcNow;
                if (item.EventType == EventRecord.EndEventName)
                {
                    End = JsonSerializer.Deserialize(item.Data, ProtocolJsonContext.Default.EventStreamEnd);
                    continue;
                }
                await _events.Writer.WriteAsync((JsonSerializer.Deserialize(item.Data, ProtocolJsonContext.Default.EventRecord)!, arrived));
            }
        }
        catch (IOException)
        {
            // labd went away: the stream ends here, as it does for any client.
        }
        finally
        {
            _events.Writer.TryComplete();
            await body.DisposeAsync();
        }
    }
}
