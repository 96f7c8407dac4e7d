using System.Net.Sockets;
using System.Text;

namespace Labd.Hosting;

/// <summary>
/// sd_notify(3) over <c>NOTIFY_SOCKET</c>: one datagram per state change. Written here
/// because Microsoft.Extensions.Hosting.Systemd cannot send RELOADING=1. Abstract socket
/// names (leading '@') are supported. Without NOTIFY_SOCKET every call is a no-op.
/// </summary>
internal sealed class SdNotifier : IDisposable
{
    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _endPoint;
    private readonly Lock _lock = new();

    public SdNotifier(string? notifySocket)
    {
        if (string.IsNullOrEmpty(notifySocket))
        {
            return;
        }
        // sd_notify(3): a leading '@' names a socket in the abstract namespace.
        var path = notifySocket[0] == '@' ? "\0" + notifySocket[1..] : notifySocket;
        _endPoint = new UnixDomainSocketEndPoint(path);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    }

    /// <summary>Reads and removes NOTIFY_SOCKET from the environment so children never see it.</summary>
    public static SdNotifier FromEnvironment()
    {
        var value = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        Environment.SetEnvironmentVariable("NOTIFY_SOCKET", null);
        return new SdNotifier(value);
    }

    public bool IsEnabled => _socket is not null;

    /// <summary>Sends newline-separated assignments, e.g. <c>READY=1\nSTATUS=...</c>. Returns false when there is no notify socket.</summary>
    public bool Notify(string state)
    {
        if (_socket is null || _endPoint is null)
        {
            return false;
        }
        var bytes = Encoding.UTF8.GetBytes(state);
        lock (_lock)
        {
            _socket.SendTo(bytes, SocketFlags.None, _endPoint);
        }
        return true;
    }

    public void Dispose() => _socket?.Dispose();
}
