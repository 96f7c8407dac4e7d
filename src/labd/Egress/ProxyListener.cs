using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Labd.Egress;

/// <summary>
/// The listener for one (sandbox, destination port): the sandbox's netfilter rules DNAT
/// every TCP connection to that port here, so the listener knows the destination port and
/// nothing else.
/// </summary>
internal sealed class ProxyListener : IAsyncDisposable
{
    private readonly EgressContext _context;
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Socket, Task> _sessions = new();
    private Task _acceptLoop = Task.CompletedTask;

    private ProxyListener(EgressContext context, Socket socket, int destinationPort)
    {
        _context = context;
        _socket = socket;
        DestinationPort = destinationPort;
    }

    public int DestinationPort { get; }

    public int ListenPort => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    /// <summary>Listens on <paramref name="listenPort"/>, or a free port when it is 0.</summary>
    public static ProxyListener Start(EgressContext context, IPAddress address, int destinationPort, int listenPort)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Rebinding a re-adopted run's port must not fail on its old TIME_WAIT connections.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(address, listenPort));
            socket.Listen(512);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var listener = new ProxyListener(context, socket, destinationPort);
        listener._acceptLoop = listener.AcceptLoopAsync();
        return listener;
    }

    private async Task AcceptLoopAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException && token.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                continue;
            }
            catch (SocketException ex)
            {
                // E.g. EMFILE: keep the listener alive (the sandbox's only way out), but don't spin.
                EgressLog.ConnectionFailed(_context.Logger, _context.RunId, ex);
                await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None).ConfigureAwait(false);
                continue;
            }

            if (!_context.Connections.Wait(0, CancellationToken.None))
            {
                EgressLog.TooManyConnections(_context.Logger, _context.RunId, _context.Options.MaxConnectionsPerSandbox);
                client.Dispose();
                continue;
            }

            client.NoDelay = true;
            _sessions[client] = RunSessionAsync(client, token);
        }
    }

    private async Task RunSessionAsync(Socket client, CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            if (_context.PeerUid is { } expected
                && SocketOwner.FindTcpPeerUid((IPEndPoint)client.LocalEndPoint!, (IPEndPoint)client.RemoteEndPoint!) is var owner && owner != expected)
            {
                _context.Decisions.Record(EgressKinds.Unknown, "", DestinationPort, false,
                    $"connection from uid {owner?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}, not the sandbox's uid {expected}");
                return;
            }

            await new ProxySession(_context, client, DestinationPort).RunAsync(cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // One broken connection must never take the listener down.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            EgressLog.ConnectionFailed(_context.Logger, _context.RunId, ex);
        }
        finally
        {
            client.Dispose();
            _sessions.TryRemove(client, out _);
            _context.Connections.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        foreach (var client in _sessions.Keys)
        {
            client.Dispose();
        }

        await Task.WhenAll(_sessions.Values).ConfigureAwait(false);
        _stop.Dispose();
    }
}
