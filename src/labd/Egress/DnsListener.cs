using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Labd.Egress;

/// <summary>One sandbox's DNS endpoint: UDP and TCP (RFC 7766) on the same port.</summary>
internal sealed class DnsListener : IAsyncDisposable
{
    internal const int MaxTcpQueriesPerConnection = 64;

    private readonly EgressContext _context;
    private readonly DnsResponder _responder;
    private readonly Socket _udp;
    private readonly Socket _tcp;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Task, byte> _work = new();
    private Task _udpLoop = Task.CompletedTask;
    private Task _tcpLoop = Task.CompletedTask;

    private DnsListener(EgressContext context, DnsResponder responder, Socket udp, Socket tcp)
    {
        _context = context;
        _responder = responder;
        _udp = udp;
        _tcp = tcp;
    }

    public int Port => ((IPEndPoint)_udp.LocalEndPoint!).Port;

    /// <summary>Listens on <paramref name="port"/> (UDP and TCP), or a port free for both when it is 0.</summary>
    public static DnsListener Start(EgressContext context, DnsResponder responder, IPAddress address, int port)
    {
        // Find a port free for both protocols: take a TCP one, then try UDP on it.
        for (var attempt = 0; ; attempt++)
        {
            var tcp = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            var udp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                tcp.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                tcp.Bind(new IPEndPoint(address, port));
                udp.Bind(new IPEndPoint(address, ((IPEndPoint)tcp.LocalEndPoint!).Port));
                tcp.Listen(64);
                var listener = new DnsListener(context, responder, udp, tcp);
                listener._udpLoop = listener.UdpLoopAsync();
                listener._tcpLoop = listener.TcpLoopAsync();
                return listener;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse && port == 0 && attempt < 20)
            {
                tcp.Dispose();
                udp.Dispose();
            }
            catch
            {
                tcp.Dispose();
                udp.Dispose();
                throw;
            }
        }
    }

    private async Task UdpLoopAsync()
    {
        var token = _stop.Token;
        var buffer = new byte[DnsMessageParser.MaxMessageLength];
        EndPoint any = new IPEndPoint(_udp.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        while (!token.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, any, token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException && token.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            if (!IsFromSandbox(SocketOwner.FindUdpSenderUid((IPEndPoint)received.RemoteEndPoint)))
            {
                continue;
            }

            var query = buffer.AsMemory(0, received.ReceivedBytes).ToArray();
            Track(AnswerUdpAsync(query, received.RemoteEndPoint, token));
        }
    }

    private async Task AnswerUdpAsync(byte[] query, EndPoint peer, CancellationToken cancellationToken)
    {
        var response = await _responder.AnswerAsync(query, cancellationToken).ConfigureAwait(false);
        if (response is not null)
        {
            await _udp.SendToAsync(response, SocketFlags.None, peer, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task TcpLoopAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _tcp.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException && token.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            if (!IsFromSandbox(SocketOwner.FindTcpPeerUid((IPEndPoint)client.LocalEndPoint!, (IPEndPoint)client.RemoteEndPoint!)))
            {
                client.Dispose();
                continue;
            }

            Track(AnswerTcpAsync(client, token));
        }
    }

    private async Task AnswerTcpAsync(Socket client, CancellationToken cancellationToken)
    {
        using var _ = client;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_context.Options.PeekTimeout);
        var lengthPrefix = new byte[2];
        for (var i = 0; i < MaxTcpQueriesPerConnection; i++)
        {
            if (!await ReadExactlyAsync(client, lengthPrefix, deadline.Token).ConfigureAwait(false))
            {
                return;
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(lengthPrefix);
            if (length is < 12 or > DnsMessageParser.MaxMessageLength)
            {
                return;
            }

            var query = new byte[length];
            if (!await ReadExactlyAsync(client, query, deadline.Token).ConfigureAwait(false))
            {
                return;
            }

            var response = await _responder.AnswerAsync(query, deadline.Token).ConfigureAwait(false);
            if (response is null)
            {
                return;
            }

            var framed = new byte[response.Length + 2];
            BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)response.Length);
            response.CopyTo(framed, 2);
            await Splicer.SendAllAsync(client, framed, deadline.Token).ConfigureAwait(false);
        }
    }

    /// <summary>With a sandbox uid configured, only its sockets are answered (see <see cref="SocketOwner"/>).</summary>
    private bool IsFromSandbox(int? owner)
    {
        if (_context.PeerUid is not { } expected || owner == expected)
        {
            return true;
        }

        _context.Decisions.Record(EgressKinds.Dns, "", 53, false,
            $"query from uid {owner?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}, not the sandbox's uid {expected}");
        return false;
    }

    private static async Task<bool> ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return false;
            }

            buffer = buffer[n..];
        }

        return true;
    }

    private void Track(Task task)
    {
        _work[task] = 0;
        _ = task.ContinueWith(
            t =>
            {
                if (t.Exception is { } ex)
                {
                    EgressLog.ConnectionFailed(_context.Logger, _context.RunId, ex);
                }

                _work.TryRemove(t, out _);
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _udp.Dispose();
        _tcp.Dispose();
        await Task.WhenAll(_udpLoop, _tcpLoop).ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_work.Keys).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Work cut short by shutdown.
        }

        _stop.Dispose();
    }
}
