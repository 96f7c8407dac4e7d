using System.Net.Sockets;
using System.Text;

namespace Labd.Egress;

/// <summary>
/// Plain HTTP and CONNECT. Keep-alive (N8) is handled by forwarding exactly one request per
/// connection: the head is rewritten to <c>Connection: close</c>, only that request's body
/// (by Content-Length) is forwarded, and the connection ends after the response. Anything
/// the client pipelines after it is never read, so a second request naming another host
/// never reaches any server; the client's next request comes on a new connection and is
/// judged on its own. The body's end is found from Content-Length or by following the
/// chunked framing (<see cref="ChunkedBodyScanner"/>).
/// </summary>
internal sealed partial class ProxySession
{
    private static readonly string[] HopByHopHeaders = ["Connection", "Proxy-Connection", "Keep-Alive", "Upgrade", "TE", "Trailer"];

    private HttpRequestHead? _pendingHttp;

    private async Task<Socket?> HttpAsync(int destinationPort, string? expectedHost, CancellationToken cancellationToken)
    {
        HttpParseResult parsed;
        while ((parsed = HttpHeadParser.Parse(_buffer.Span)).IsIncomplete)
        {
            if (!await _buffer.ReadMoreAsync(client, cancellationToken).ConfigureAwait(false))
            {
                parsed = HttpParseResult.Reject(_buffer.IsFull ? "request head too large" : "connection closed inside the request head");
                break;
            }
        }

        if (parsed.Head is not { } head)
        {
            return await RefuseHttpAsync(EgressKinds.Http, "", destinationPort, 400, "Bad Request", parsed.Reason!, cancellationToken).ConfigureAwait(false);
        }

        if (head.IsConnect)
        {
            return await ConnectAsync(head, expectedHost, destinationPort, cancellationToken).ConfigureAwait(false);
        }

        // Origin-form: the port is the one the sandbox dialed (or the CONNECT's). Absolute-form
        // (explicit proxy use) names its own port, 80 by default.
        var absolute = head.Target.StartsWith("http://", StringComparison.OrdinalIgnoreCase);
        var port = absolute && expectedHost is null ? head.Port ?? 80 : destinationPort;
        if (!absolute && head.Port is { } named && named != destinationPort)
        {
            return await RefuseHttpAsync(EgressKinds.Http, head.Host, destinationPort, 403, "Forbidden", $"Host names port {named}, the connection was to port {destinationPort}", cancellationToken).ConfigureAwait(false);
        }

        if (expectedHost is not null && !head.Host.Equals(expectedHost, StringComparison.OrdinalIgnoreCase))
        {
            return await RefuseHttpAsync(EgressKinds.Http, head.Host, port, 403, "Forbidden", $"Host {head.Host} differs from the CONNECT authority {expectedHost}", cancellationToken).ConfigureAwait(false);
        }

        var (decision, literal) = context.Decide(head.Host, port);
        if (!decision.Allowed)
        {
            return await RefuseHttpAsync(EgressKinds.Http, head.Host, port, 403, "Forbidden", decision.Reason, cancellationToken).ConfigureAwait(false);
        }

        var connection = await context.Dialer.ConnectAsync(head.Host, literal, port, context.Matcher, _dialToken).ConfigureAwait(false);
        if (connection.Socket is null)
        {
            return await RefuseHttpAsync(EgressKinds.Http, head.Host, port, 502, "Bad Gateway", connection.Failure!, cancellationToken, connection.Address?.ToString()).ConfigureAwait(false);
        }

        context.Decisions.Record(EgressKinds.Http, head.Host, port, true, decision.Reason, connection.Address?.ToString());
        _pendingHttp = head;
        return connection.Socket;
    }

    private async Task<Socket?> ConnectAsync(HttpRequestHead head, string? expectedHost, int destinationPort, CancellationToken cancellationToken)
    {
        var port = head.Port!.Value;
        if (expectedHost is not null)
        {
            return await RefuseHttpAsync(EgressKinds.Connect, head.Host, port, 400, "Bad Request", "CONNECT inside a CONNECT tunnel", cancellationToken).ConfigureAwait(false);
        }

        var (decision, _) = context.Decide(head.Host, port);
        if (!decision.Allowed)
        {
            return await RefuseHttpAsync(EgressKinds.Connect, head.Host, port, 403, "Forbidden", decision.Reason, cancellationToken).ConfigureAwait(false);
        }

        // The authority is only a claim: what counts is the name inside the tunnel, which must
        // be the same (N5). Record the CONNECT, then judge the tunnel's first bytes like a
        // transparent connection to that port.
        context.Decisions.Record(EgressKinds.Connect, head.Host, port, true, decision.Reason, note: $"listener port {destinationPort}; tunnel must name {head.Host}");
        _buffer.Consume(head.HeadLength);
        await Splicer.SendAllAsync(client, "HTTP/1.1 200 Connection established\r\n\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        return await NameAndDialAsync(port, head.Host, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Socket?> RefuseHttpAsync(string kind, string host, int port, int status, string statusText, string reason, CancellationToken cancellationToken, string? resolved = null)
    {
        context.Decisions.Record(kind, host, port, false, reason, resolved);
        var body = status == 403
            ? $"labd: egress to {host}:{port} denied by policy: {reason}\n"
            : $"labd: egress request to {(host.Length == 0 ? "?" : host)}:{port} refused: {reason}\n";
        var bytes = Encoding.UTF8.GetBytes(body);
        var response = $"HTTP/1.1 {status} {statusText}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
        await TrySendAsync(Encoding.ASCII.GetBytes(response).Concat(bytes).ToArray(), cancellationToken).ConfigureAwait(false);
        return null;
    }

    private async Task ForwardOneRequestAsync(HttpRequestHead head, Socket upstream, CancellationToken cancellationToken)
    {
        var rewritten = new StringBuilder();
        rewritten.Append(head.Method).Append(' ').Append(head.PathAndQuery).Append(' ').Append(head.Version).Append("\r\n");
        foreach (var (name, value) in head.Headers)
        {
            if (!HopByHopHeaders.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                rewritten.Append(name).Append(": ").Append(value).Append("\r\n");
            }
        }

        rewritten.Append("Connection: close\r\n\r\n");
        await Splicer.SendAllAsync(upstream, Encoding.ASCII.GetBytes(rewritten.ToString()), cancellationToken).ConfigureAwait(false);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var buffered = _buffer.Memory[head.HeadLength..];
        Task body;
        if (head.Chunked)
        {
            var scanner = new ChunkedBodyScanner();
            int first;
            try
            {
                first = scanner.Scan(buffered.Span);
            }
            catch (FormatException)
            {
                upstream.Shutdown(SocketShutdown.Both);
                return;
            }

            await Splicer.SendAllAsync(upstream, buffered[..first], cancellationToken).ConfigureAwait(false);
            body = scanner.IsDone ? Task.CompletedTask : PumpChunkedAsync(scanner, upstream, stop.Token);
        }
        else
        {
            var first = (int)Math.Min(buffered.Length, head.ContentLength);
            await Splicer.SendAllAsync(upstream, buffered[..first], cancellationToken).ConfigureAwait(false);
            var rest = head.ContentLength - first;
            body = rest > 0
                ? Splicer.PumpAsync(client, upstream, rest, context.Options.BufferSize, halfClose: false, stop.Token)
                : Task.CompletedTask;
        }

        await Splicer.PumpAsync(upstream, client, long.MaxValue, context.Options.BufferSize, halfClose: true, cancellationToken).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await body.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException)
        {
            // The response is complete; an unfinished request body no longer matters.
        }
    }

    /// <summary>Forwards the rest of a chunked body and nothing after it; a malformed body
    /// ends the exchange (the upstream sees the connection shut down).</summary>
    private async Task PumpChunkedAsync(ChunkedBodyScanner scanner, Socket upstream, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (!scanner.IsDone)
            {
                var n = await client.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    return;
                }

                var body = scanner.Scan(buffer.AsSpan(0, n));
                await Splicer.SendAllAsync(upstream, buffer.AsMemory(0, body), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (FormatException)
        {
            upstream.Shutdown(SocketShutdown.Both);
        }
    }
}
