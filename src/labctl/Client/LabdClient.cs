using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Labd.Protocol;

namespace Labctl.Client;

/// <summary>
/// HTTP/JSON over labd's Unix socket. Every failure surfaces as <see cref="LabdApiException"/>
/// (labd answered with a problem) or <see cref="LabdUnreachableException"/> (it did not).
/// </summary>
internal sealed partial class LabdClient : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http;
    private readonly ConnectRetry _retry;

    /// <summary>A client for labd's socket at <paramref name="socketPath"/>; requests give up after <paramref name="timeout"/> (default 30 s);
    /// <paramref name="retry"/> says whether to wait out a labd restart (default: as this process's environment says, <see cref="ConnectRetry.FromProcess"/>).</summary>
    public LabdClient(string socketPath, TimeSpan? timeout = null, ConnectRetry? retry = null)
    {
        SocketPath = socketPath;
        _retry = retry ?? ConnectRetry.FromProcess(socketPath);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = ConnectAsync,
            UseProxy = false,
            AllowAutoRedirect = false,
        };
        _http = new HttpClient(handler)
        {
            BaseAddress = new Uri("http://" + Routes.Host),
            Timeout = timeout ?? DefaultTimeout,
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("labctl", ClientVersion.Current));
    }

    public string SocketPath { get; }

    public Task<LabdResponse<T>> GetAsync<T>(string route, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken) =>
        ReadAsync(HttpMethod.Get, route, typeInfo, cancellationToken);

    /// <summary>A POST without a body (actions such as <c>/v1/policies/reload</c>).</summary>
    public Task<LabdResponse<T>> PostAsync<T>(string route, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken) =>
        ReadAsync(HttpMethod.Post, route, typeInfo, cancellationToken);

    private async Task<LabdResponse<T>> ReadAsync<T>(HttpMethod method, string route, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(method, route), HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw ProblemReader.ToException(response.StatusCode, response.Content.Headers.ContentType?.MediaType, body);
        }
        T? value;
        try
        {
            value = JsonSerializer.Deserialize(body, typeInfo);
        }
        catch (JsonException e)
        {
            throw new LabdApiException("invalid-response", response.StatusCode, $"labd answered {route} with JSON labctl does not understand ({e.Message}); are labctl and labd the same version? see `labctl version`");
        }
        return value is null
            ? throw new LabdApiException("invalid-response", response.StatusCode, $"labd answered {route} with an empty document")
            : new LabdResponse<T>(value, body);
    }

    /// <summary>POSTs <paramref name="body"/> (or nothing) and reads the answer as <paramref name="typeInfo"/>; null for an empty answer.</summary>
    public async Task<LabdResponse<TResult>?> PostAsync<TBody, TResult>(string route, TBody? body, JsonTypeInfo<TBody> bodyType, JsonTypeInfo<TResult> typeInfo, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, route)
        {
            Content = body is null ? null : JsonContent.Create(body, bodyType),
        }, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw ProblemReader.ToException(response.StatusCode, response.Content.Headers.ContentType?.MediaType, text);
        }
        return text.Length == 0 ? null : new LabdResponse<TResult>(JsonSerializer.Deserialize(text, typeInfo)!, text);
    }

    /// <summary>DELETEs <paramref name="route"/>; labd answers 204 or a problem.</summary>
    public async Task DeleteAsync(string route, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, route), HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw ProblemReader.ToException(response.StatusCode, response.Content.Headers.ContentType?.MediaType, text);
        }
    }

    /// <summary>GETs <paramref name="route"/> and copies the body, as it arrives, to <paramref name="sink"/>.</summary>
    public async Task StreamAsync(string route, Func<ReadOnlyMemory<byte>, CancellationToken, Task> sink, CancellationToken cancellationToken)
    {
        var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, route), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                throw ProblemReader.ToException(response.StatusCode, response.Content.Headers.ContentType?.MediaType, text);
            }
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await sink(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Opens the event stream at <paramref name="route"/> (<see cref="Routes.EventsOf"/>); returns once labd has answered.</summary>
    public async Task<EventSubscription> EventsAsync(string route, CancellationToken cancellationToken)
    {
        var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, route);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            return request;
        }, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                throw ProblemReader.ToException(response.StatusCode, response.Content.Headers.ContentType?.MediaType, text);
            }
        }
        return await EventSubscription.OpenAsync(response, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _http.Dispose();

    /// <summary>Sends a request made by <paramref name="request"/> (a fresh one per attempt: a message can be sent once).</summary>
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await _http.SendAsync(request(), completion, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e) when (e.InnerException is SocketException se)
            {
                // ECONNREFUSED (nobody listens) and ENOENT (no socket yet): labd is down, perhaps restarting.
                var down = se.SocketErrorCode == SocketError.ConnectionRefused || !Path.Exists(SocketPath);
                if (down && await _retry.WaitAsync(attempt, started.Elapsed, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }
                throw Unreachable(se.SocketErrorCode, e);
            }
            catch (HttpRequestException e)
            {
                throw new LabdUnreachableException(SocketPath, $"labd at {SocketPath} did not answer over HTTP ({e.Message})", permissionDenied: false, e);
            }
            catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new LabdUnreachableException(SocketPath, $"labd at {SocketPath} did not answer within {_http.Timeout.TotalSeconds:0}s", permissionDenied: false, e);
            }
        }
    }

    private LabdUnreachableException Unreachable(SocketError error, Exception inner) => error switch
    {
        SocketError.AccessDenied => new LabdUnreachableException(SocketPath, $"permission denied on {SocketPath}", permissionDenied: true, inner),
        _ when !Path.Exists(SocketPath) => new LabdUnreachableException(SocketPath, $"no socket at {SocketPath}", permissionDenied: false, inner),
        SocketError.ConnectionRefused => new LabdUnreachableException(SocketPath, $"nothing listens on {SocketPath} (connection refused)", permissionDenied: false, inner),
        _ => new LabdUnreachableException(SocketPath, $"cannot connect to {SocketPath} ({error})", permissionDenied: false, inner),
    };

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
