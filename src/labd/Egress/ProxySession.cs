using System.Net.Sockets;

namespace Labd.Egress;

/// <summary>
/// One connection from the sandbox, DNAT'ed to the listener of its original destination
/// port. The session reads the first bytes (bounded in size and time), names the
/// destination from them (TLS SNI, HTTP Host or CONNECT authority), asks the policy, and
/// either dials the name it resolved itself and splices, or refuses with a reason. The
/// original destination address is never used.
/// </summary>
internal sealed partial class ProxySession(EgressContext context, Socket client, int port)
{
    internal const int PeekCapacity = 32 * 1024;

    /// <summary>Recorded on every allowed TLS connection: the proxy does not terminate TLS, so
    /// an HTTP Host header inside (domain fronting) cannot be checked (ESCAPE-SUITE N5).</summary>
    public const string TlsResidualNote = "TLS not terminated: the Host header inside is not inspected (known residual N5)";

    private readonly PeekBuffer _buffer = new(PeekCapacity);

    // Resolving and dialing have their own timeouts; they must not be cut short (and
    // misreported) by the deadline for reading the client's first bytes.
    private CancellationToken _dialToken;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _dialToken = cancellationToken;
        using var peekDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        peekDeadline.CancelAfter(context.Options.PeekTimeout);
        Socket? upstream;
        try
        {
            upstream = await NameAndDialAsync(port, expectedHost: null, peekDeadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            context.Decisions.Record(EgressKinds.Unknown, "", port, false, "client sent no complete ClientHello or request head in time");
            return;
        }

        if (upstream is null)
        {
            return;
        }

        using (upstream)
        {
            await SpliceAsync(upstream, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads and judges the start of the stream; returns the upstream socket on allow
    /// (with <see cref="_pendingHttp"/> set for plain HTTP), null after refusing.</summary>
    private async Task<Socket?> NameAndDialAsync(int destinationPort, string? expectedHost, CancellationToken cancellationToken)
    {
        if (_buffer.Count == 0 && !await _buffer.ReadMoreAsync(client, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        if (ClientHelloParser.LooksLikeTls(_buffer.Span))
        {
            return await TlsAsync(destinationPort, expectedHost, cancellationToken).ConfigureAwait(false);
        }

        if (HttpHeadParser.LooksLikeHttp(_buffer.Span))
        {
            return await HttpAsync(destinationPort, expectedHost, cancellationToken).ConfigureAwait(false);
        }

        context.Decisions.Record(EgressKinds.Unknown, "", destinationPort, false, "neither TLS nor HTTP: only named destinations can be allowed");
        return null;
    }

    private async Task<Socket?> TlsAsync(int destinationPort, string? expectedHost, CancellationToken cancellationToken)
    {
        ClientHelloResult hello;
        while ((hello = ClientHelloParser.Parse(_buffer.Span)).Status == ClientHelloStatus.Incomplete)
        {
            if (!await _buffer.ReadMoreAsync(client, cancellationToken).ConfigureAwait(false))
            {
                hello = ClientHelloResult.Reject(_buffer.IsFull ? "ClientHello too large" : "connection closed inside the ClientHello");
                break;
            }
        }

        if (hello.Status == ClientHelloStatus.Rejected)
        {
            return await RefuseTlsAsync(hello.ServerName ?? "", destinationPort, hello.Reason!, null, cancellationToken).ConfigureAwait(false);
        }

        var name = hello.ServerName!;
        if (expectedHost is not null && !name.Equals(expectedHost, StringComparison.OrdinalIgnoreCase))
        {
            return await RefuseTlsAsync(name, destinationPort, $"SNI {name} differs from the CONNECT authority {expectedHost}", null, cancellationToken).ConfigureAwait(false);
        }

        var (decision, literal) = context.Decide(name, destinationPort);
        if (!decision.Allowed)
        {
            return await RefuseTlsAsync(name, destinationPort, decision.Reason, null, cancellationToken).ConfigureAwait(false);
        }

        var connection = await context.Dialer.ConnectAsync(name, literal, destinationPort, context.Matcher, _dialToken).ConfigureAwait(false);
        if (connection.Socket is null)
        {
            return await RefuseTlsAsync(name, destinationPort, connection.Failure!, connection.Address?.ToString(), cancellationToken).ConfigureAwait(false);
        }

        context.Decisions.Record(EgressKinds.Tls, name, destinationPort, true, decision.Reason, connection.Address?.ToString(), TlsResidualNote);
        return connection.Socket;
    }

    private async Task<Socket?> RefuseTlsAsync(string host, int destinationPort, string reason, string? resolved, CancellationToken cancellationToken)
    {
        context.Decisions.Record(EgressKinds.Tls, host, destinationPort, false, reason, resolved);
        await TrySendAsync(ClientHelloParser.AccessDeniedAlert.ToArray(), cancellationToken).ConfigureAwait(false);
        return null;
    }

    private async Task TrySendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        try
        {
            await Splicer.SendAllAsync(client, data, cancellationToken).ConfigureAwait(false);
            Splicer.TryShutdownSend(client);
        }
        catch (SocketException)
        {
            // The client is gone; the decision is already recorded.
        }
    }

    private async Task SpliceAsync(Socket upstream, CancellationToken cancellationToken)
    {
        if (_pendingHttp is { } head)
        {
            await ForwardOneRequestAsync(head, upstream, cancellationToken).ConfigureAwait(false);
            return;
        }

        await Splicer.SendAllAsync(upstream, _buffer.Memory, cancellationToken).ConfigureAwait(false);
        await Splicer.SpliceAsync(client, upstream, context.Options.BufferSize, cancellationToken).ConfigureAwait(false);
    }
}
