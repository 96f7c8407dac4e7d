using System.Net.Sockets;
using Serilog.Core;
using Serilog.Debugging;
using Serilog.Events;

namespace Labd.Logging;

/// <summary>
/// Serilog sink speaking journald's native protocol: one datagram per entry on
/// <c>/run/systemd/journal/socket</c>. An entry too large for one datagram is retried with
/// its fields truncated (journald's memfd fallback is not implemented).
/// </summary>
internal sealed class JournaldSink : ILogEventSink, IDisposable
{
    public const string DefaultSocket = "/run/systemd/journal/socket";

    /// <summary>Below the default net.core.wmem_default (212992), so most entries go through untouched.</summary>
    internal const int MaxValueBytes = 160 * 1024;
    internal const int FallbackValueBytes = 8 * 1024;

    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly UnixDomainSocketEndPoint _endPoint;
    private readonly string _identifier;
    private readonly Lock _lock = new();

    public JournaldSink(string socketPath = DefaultSocket, string identifier = "labd")
    {
        _endPoint = new UnixDomainSocketEndPoint(socketPath);
        _identifier = identifier;
    }

    /// <summary>True when labd runs under systemd (JOURNAL_STREAM or INVOCATION_ID, systemd.exec(5)) and the journal socket exists.</summary>
    public static bool ShouldUse(string socketPath = DefaultSocket) =>
        (Environment.GetEnvironmentVariable("JOURNAL_STREAM") is { Length: > 0 }
            || Environment.GetEnvironmentVariable("INVOCATION_ID") is { Length: > 0 })
        && File.Exists(socketPath);

    public void Emit(LogEvent logEvent)
    {
        try
        {
            lock (_lock)
            {
                try
                {
                    _socket.SendTo(JournalEntry.Serialize(logEvent, _identifier, MaxValueBytes), _endPoint);
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.MessageSize or SocketError.NoBufferSpaceAvailable)
                {
                    _socket.SendTo(JournalEntry.Serialize(logEvent, _identifier, FallbackValueBytes), _endPoint);
                }
            }
        }
        catch (SocketException e)
        {
            SelfLog.WriteLine("journald sink: {0}", e.Message);
        }
    }

    public void Dispose() => _socket.Dispose();
}
