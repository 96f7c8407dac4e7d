using System.Net.Sockets;
using System.Text;

namespace Labd.IntegrationTests.Daemon;

/// <summary>Plays systemd's side of sd_notify: a Unix datagram socket that collects state messages.</summary>
internal sealed class NotifyListener : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);

    /// <param name="address">A path, or '@' + name for the abstract namespace.</param>
    public NotifyListener(string address)
    {
        Address = address;
        _socket.Bind(new UnixDomainSocketEndPoint(address[0] == '@' ? "\0" + address[1..] : address));
    }

    public string Address { get; }

    public List<string> Received { get; } = [];

    /// <summary>Receives messages until one contains <paramref name="assignment"/> (e.g. "READY=1"); returns that message.</summary>
    public async Task<string> WaitForAsync(string assignment, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        var buffer = new byte[8192];
        while (true)
        {
            int n;
            try
            {
                n = await _socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"no {assignment} within 30 s; got: {string.Join(" | ", Received)}");
            }
            var message = Encoding.UTF8.GetString(buffer, 0, n);
            Received.Add(message);
            if (message.Split('\n').Contains(assignment))
            {
                return message;
            }
        }
    }

    public void Dispose() => _socket.Dispose();
}
