using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Labd.Interop;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Labd.Api;

/// <summary>
/// The per-sandbox API sockets (<c>/run/lab/api.sock</c> inside each sandbox): one listening
/// Unix socket per agent or experiment, each served by the same Kestrel app as the main socket
/// through a Kestrel transport of its own (<see cref="SandboxEndPoint"/>). Every connection
/// carries the <see cref="Caller"/> of the sandbox it came through as a connection feature
/// (<see cref="ConnectionCallerFeature"/>): identity is the socket, never a token or header.
/// A connection is admitted only when SO_PEERCRED names one of the sandbox's own host uids, so
/// a host user who finds the socket's path still cannot speak as the sandbox.
/// </summary>
internal sealed class SandboxSockets : IConnectionListenerFactory, IConnectionListenerFactorySelector, IAsyncDisposable
{
    private readonly Channel<ConnectionContext> _accepted = Channel.CreateUnbounded<ConnectionContext>();
    private readonly ConcurrentDictionary<string, Listener> _listeners = new(StringComparer.Ordinal);
    private readonly SocketConnectionContextFactory _connections;
    private readonly ILogger<SandboxSockets> _logger;

    public SandboxSockets(ILoggerFactory loggerFactory)
    {
        _logger = loggerFactory.CreateLogger<SandboxSockets>();
        _connections = new SocketConnectionContextFactory(new SocketConnectionFactoryOptions(), loggerFactory.CreateLogger<SocketConnectionContextFactory>());
    }

    /// <summary>Sockets open now, by key (run id).</summary>
    public IReadOnlyCollection<string> Open() => [.. _listeners.Keys];

    public bool CanBind(EndPoint endpoint) => endpoint is SandboxEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IConnectionListener>(new KestrelListener(endpoint, _accepted.Reader));

    /// <summary>
    /// Binds <paramref name="path"/> (replacing a stale socket file) for the sandbox keyed
    /// <paramref name="key"/>: connections from a uid in <paramref name="sandboxUids"/> are
    /// served as <paramref name="caller"/> (whose uid is set to the peer's); others are closed.
    /// </summary>
    public void Open(string key, string path, Caller caller, Func<int, bool> sandboxUids, UnixFileMode mode = (UnixFileMode)0b110_110_110)
    {
        Close(key);
        if (File.Exists(path) && FileStatus.IsSocket(path))
        {
            File.Delete(path);
        }
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, mode);
            socket.Listen(64);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var listener = new Listener(key, path, socket, caller, sandboxUids);
        _listeners[key] = listener;
        listener.Loop = AcceptAsync(listener);
    }

    /// <summary>Stops accepting on the sandbox's socket and removes its file. Connections already
    /// accepted finish their requests.</summary>
    public void Close(string key)
    {
        if (_listeners.TryRemove(key, out var listener))
        {
            listener.Socket.Dispose();
            try
            {
                File.Delete(listener.Path);
            }
            catch (IOException)
            {
                // The run directory may be gone already.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var key in _listeners.Keys)
        {
            Close(key);
        }
        _accepted.Writer.TryComplete();
        await Task.CompletedTask.ConfigureAwait(false);
    }

    private async Task AcceptAsync(Listener listener)
    {
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = await listener.Socket.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
                return;
            }
            PeerCredentials peer;
            try
            {
                peer = PeerCredentials.Of(accepted);
            }
            catch (SocketException)
            {
                accepted.Dispose();
                continue;
            }
            if (!listener.SandboxUids(peer.Uid))
            {
                SandboxSocketLog.Refused(_logger, listener.Key, peer.Uid, peer.Pid);
                accepted.Dispose();
                continue;
            }
            var connection = _connections.Create(accepted);
            connection.Features.Set(new ConnectionCallerFeature(listener.Caller with { Uid = peer.Uid, Gid = peer.Gid, Pid = peer.Pid }));
            await _accepted.Writer.WriteAsync(connection).ConfigureAwait(false);
        }
    }

    private sealed record Listener(string Key, string Path, Socket Socket, Caller Caller, Func<int, bool> SandboxUids)
    {
        public Task? Loop { get; set; }
    }

    /// <summary>What Kestrel sees: one listener whose connections come from every sandbox socket.</summary>
    private sealed class KestrelListener(EndPoint endpoint, ChannelReader<ConnectionContext> accepted) : IConnectionListener
    {
        private readonly CancellationTokenSource _unbound = new();

        public EndPoint EndPoint { get; } = endpoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _unbound.Token);
            try
            {
                return await accepted.ReadAsync(linked.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
            {
                return null;
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            _unbound.Cancel();
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            _unbound.Cancel();
            _unbound.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>The endpoint Kestrel binds for <see cref="SandboxSockets"/>: not an address, a marker.</summary>
internal sealed class SandboxEndPoint : EndPoint
{
    public override string ToString() => "labd-sandbox-sockets";
}

internal static partial class SandboxSocketLog
{
    [LoggerMessage(EventId = 700, Level = LogLevel.Warning, Message = "refused a connection to the API socket of {Key} from uid {Uid} (pid {Pid}): not one of the sandbox's uids")]
    public static partial void Refused(ILogger logger, string key, int uid, int pid);
}
