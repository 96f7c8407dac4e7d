using System.Collections.Concurrent;
using System.Net;
using Labd.SandboxPolicy;

namespace Labd.Egress;

/// <summary>
/// Opens the egress enforcement point of a sandbox: a transparent proxy listener per
/// allowed destination port and a DNS listener, all on <c>listenAddress</c> (a host address
/// slirp4netns can reach; never loopback in production, since slirp runs with
/// --disable-host-loopback). One service serves every sandbox; each
/// <see cref="SandboxEgress"/> has its own policy, decisions and listeners, and is found
/// again by run id until it is closed.
/// </summary>
internal sealed class EgressService(IEgressResolver resolver, EgressOptions options, ILoggerFactory loggerFactory, AddressGuard? guard = null) : IAsyncDisposable
{
    private readonly AddressGuard _guard = guard ?? new AddressGuard();
    private readonly ILogger _logger = loggerFactory.CreateLogger("Labd.Egress");
    private readonly ConcurrentDictionary<string, SandboxEgress> _open = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Opens the listeners of run <paramref name="runId"/>, or returns them when already open.
    /// <paramref name="runDirectory"/> is where <c>egress.jsonl</c> is appended and the
    /// listener ports are kept (a re-adopted run gets the same ports back); null keeps
    /// decisions in memory only. With <paramref name="peerUid"/> (the sandbox's host uid, which
    /// slirp4netns runs as), proxy connections from sockets owned by any other uid are refused.</summary>
    public async Task<SandboxEgress> OpenAsync(string runId, IEgressMatcher matcher, IPAddress listenAddress, string? runDirectory, int? peerUid, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentNullException.ThrowIfNull(matcher);
        ArgumentNullException.ThrowIfNull(listenAddress);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_open.TryGetValue(runId, out var existing))
            {
                return existing;
            }

            var egress = Open(runId, matcher, listenAddress, runDirectory, peerUid);
            _open[runId] = egress;
            return egress;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The open egress of a run, for the API (<c>GET /v1/runs/{id}/egress</c>); null when closed.</summary>
    public SandboxEgress? Find(string runId) => _open.GetValueOrDefault(runId);

    /// <summary>Closes a run's listeners. Idempotent.</summary>
    public async ValueTask CloseAsync(string runId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_open.TryGetValue(runId, out var egress))
        {
            await egress.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Closes every sandbox's listeners (daemon shutdown). Sandboxes outliving labd
    /// keep their DNAT rules; with the listeners gone their egress fails closed until re-adopted.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var egress in _open.Values)
        {
            await egress.DisposeAsync().ConfigureAwait(false);
        }

        _gate.Dispose();
    }

    private SandboxEgress Open(string runId, IEgressMatcher matcher, IPAddress listenAddress, string? runDirectory, int? peerUid)
    {
        var previous = EgressListenerFile.TryRead(runDirectory, listenAddress);
        var decisions = new EgressDecisionLog(runId, runDirectory, options.RecentDecisions, _logger, options);
        var context = new EgressContext(runId, matcher, decisions, new UpstreamDialer(resolver, _guard, options), options, _logger, peerUid);
        var listeners = new List<ProxyListener>();
        try
        {
            foreach (var port in matcher.Ports.Distinct().Order())
            {
                listeners.Add(ProxyListener.Start(context, listenAddress, port, previous?.Ports.GetValueOrDefault(port) ?? 0));
            }

            var dns = DnsListener.Start(context, new DnsResponder(context, resolver, _guard), listenAddress, previous?.DnsPort ?? 0);
            var egress = new SandboxEgress(context, listenAddress, listeners, dns, closed => _open.TryRemove(new(runId, closed)));
            if (runDirectory is not null)
            {
                new EgressListenerFile(listenAddress.ToString(), egress.Ports.ToDictionary(), egress.DnsPort).Write(runDirectory);
            }

            EgressLog.Opened(_logger, runId, listenAddress.ToString(), string.Join(",", egress.Ports.Select(p => $"{p.Key}->{p.Value}")), egress.DnsPort);
            return egress;
        }
        catch
        {
            foreach (var listener in listeners)
            {
                listener.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            decisions.Dispose();
            throw;
        }
    }
}
