using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;

namespace Labctl.Tests.Support;

/// <summary>
/// A stand-in for labd: a Unix socket that answers HTTP/1.1 requests with canned responses,
/// one request per connection (<c>Connection: close</c>). Unknown routes get a not-found problem.
/// </summary>
public sealed class FakeDaemon : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, CannedResponse> _routes = new(StringComparer.Ordinal);
    private readonly Task _acceptLoop;

    public FakeDaemon(string socketPath)
    {
        SocketPath = socketPath;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        _listener.Listen(16);
        _acceptLoop = AcceptLoopAsync();
    }

    public string SocketPath { get; }

    /// <summary>Request heads received, in order: request line then headers.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Request bodies received (by <c>Content-Length</c>), in order; empty for requests without one.</summary>
    public ConcurrentQueue<string> Bodies { get; } = new();

    public FakeDaemon Answer(string path, CannedResponse response)
    {
        _routes[path] = response;
        return this;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        try
        {
            await _acceptLoop;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using var _ = client;
        await using var stream = new NetworkStream(client, ownsSocket: false);
        var read = await ReadHeadAsync(stream);
        if (read is not var (head, rest))
        {
            return;
        }
        Requests.Enqueue(head);
        Bodies.Enqueue(await ReadBodyAsync(stream, head, rest));
        var path = head.Split(' ', 3) is [_, var target, _] ? target : "";
        var response = _routes.TryGetValue(path, out var canned)
            ? canned
            : CannedResponse.Problem(404, "not-found", $"no route {path}");
        if (response == CannedResponse.Never)
        {
            // A long-poll that does not end while the test lasts.
            await Task.Delay(Timeout.Infinite, _stop.Token);
        }
        var body = Encoding.UTF8.GetBytes(response.Body);
        var header = $"HTTP/1.1 {response.Status} Canned\r\nContent-Type: {response.ContentType}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(header), _stop.Token);
        await stream.WriteAsync(body, _stop.Token);
        client.Shutdown(SocketShutdown.Send);
    }

    /// <summary>The body by <c>Content-Length</c> or <c>Transfer-Encoding: chunked</c> (HttpClient's JSON content has no length).</summary>
    private async Task<string> ReadBodyAsync(NetworkStream stream, string head, byte[] rest)
    {
        var headers = head.Split("\r\n");
        var lengthHeader = headers.FirstOrDefault(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        var chunked = headers.Any(h => h.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase) && h.Contains("chunked", StringComparison.OrdinalIgnoreCase));
        var data = new List<byte>(rest);
        async Task<bool> FillAsync()
        {
            var buffer = new byte[4096];
            var read = await stream.ReadAsync(buffer, _stop.Token);
            data.AddRange(buffer.AsSpan(0, read));
            return read > 0;
        }
        if (lengthHeader is not null)
        {
            var length = int.Parse(lengthHeader["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            while (data.Count < length && await FillAsync())
            {
            }
            return Encoding.UTF8.GetString([.. data.Take(length)]);
        }
        if (!chunked)
        {
            return "";
        }
        var body = new List<byte>();
        var position = 0;
        while (true)
        {
            int lineEnd;
            while ((lineEnd = IndexOfCrLf(data, position)) < 0)
            {
                if (!await FillAsync())
                {
                    return Encoding.UTF8.GetString([.. body]);
                }
            }
            var size = Convert.ToInt32(Encoding.ASCII.GetString([.. data.Skip(position).Take(lineEnd - position)]).Split(';')[0].Trim(), 16);
            position = lineEnd + 2;
            if (size == 0)
            {
                return Encoding.UTF8.GetString([.. body]);
            }
            while (data.Count < position + size + 2)
            {
                if (!await FillAsync())
                {
                    return Encoding.UTF8.GetString([.. body]);
                }
            }
            body.AddRange(data.Skip(position).Take(size));
            position += size + 2;
        }
    }

    private static int IndexOfCrLf(List<byte> data, int from)
    {
        for (var i = from; i + 1 < data.Count; i++)
        {
            if (data[i] == '\r' && data[i + 1] == '\n')
            {
                return i;
            }
        }
        return -1;
    }

    private async Task<(string Head, byte[] Remainder)?> ReadHeadAsync(NetworkStream stream)
    {
        var buffer = new byte[16 * 1024];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), _stop.Token);
            if (read == 0)
            {
                return null;
            }
            length += read;
            var text = Encoding.ASCII.GetString(buffer, 0, length);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                return (text[..end], buffer[(end + 4)..length]);
            }
        }
        return null;
    }
}
