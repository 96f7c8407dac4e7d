using System.Collections.Immutable;
using System.Net;

namespace Labd.Egress;

/// <summary>
/// The open egress of one sandbox: which host port serves each allowed destination port,
/// and the DNS port (UDP and TCP). The sandbox's netfilter rules DNAT
/// <c>tcp dport P</c> to <c>ListenAddress:Ports[P]</c> and port 53 to
/// <c>ListenAddress:DnsPort</c>, and drop everything else. Dispose to close every listener.
/// </summary>
internal sealed class SandboxEgress : IAsyncDisposable
{
    private readonly IReadOnlyList<ProxyListener> _listeners;
    private readonly DnsListener _dns;
    private readonly EgressContext _context;
    private int _disposed;

    private readonly Action<SandboxEgress>? _closed;

    internal SandboxEgress(EgressContext context, IPAddress listenAddress, IReadOnlyList<ProxyListener> listeners, DnsListener dns, Action<SandboxEgress>? closed)
    {
        _closed = closed;
        _context = context;
        _listeners = listeners;
        _dns = dns;
        ListenAddress = listenAddress;
        Ports = listeners.ToImmutableDictionary(l => l.DestinationPort, l => l.ListenPort);
    }

    public string RunId => _context.RunId;

    public IPAddress ListenAddress { get; }

    /// <summary>Destination port the sandbox dials → host port of the proxy listener for it.</summary>
    public ImmutableDictionary<int, int> Ports { get; }

    /// <summary>Host port of the DNS listener, UDP and TCP.</summary>
    public int DnsPort => _dns.Port;

    /// <summary>The decisions so far (newest last; the oldest drop out of memory but stay in the file).</summary>
    public EgressDecisionLog Decisions => _context.Decisions;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var listener in _listeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        await _dns.DisposeAsync().ConfigureAwait(false);
        _context.Decisions.Dispose();
        _context.Connections.Dispose();
        EgressLog.Closed(_context.Logger, _context.RunId);
        _closed?.Invoke(this);
    }
}
