using System.Net;
using Labd.SandboxPolicy;
using Microsoft.Extensions.Logging;

namespace Labd.Egress;

/// <summary>
/// Opens the egress enforcement point of a sandbox: a transparent proxy listener per
/// allowed destination port and a DNS listener, all on <c>listenAddress</c> (a host address
/// slirp4netns can reach; never loopback in production, since slirp runs with
/// --disable-host-loopback). One service serves every sandbox; each
/// <see cref="SandboxEgress"/> has its own policy, decisions and listeners.
/// </summary>
internal sealed class EgressService(IEgressResolver resolver, EgressOptions options, ILoggerFactory loggerFactory, AddressGuard? guard = null)
{
    private readonly AddressGuard _guard = guard ?? new AddressGuard();
    private readonly ILogger _logger = loggerFactory.CreateLogger("Labd.Egress");

    /// <summary>Opens the listeners of run <paramref name="runId"/>. <paramref name="runDirectory"/> is where
    /// <c>egress.jsonl</c> is appended; null keeps decisions in memory only. With
    /// <paramref name="peerUid"/> (the sandbox's host uid, which slirp4netns runs as), proxy
    /// connections from sockets owned by any other uid are refused.</summary>
    public Task<SandboxEgress> OpenAsync(string runId, IEgressMatcher matcher, IPAddress listenAddress, string? runDirectory, int? peerUid, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentNullException.ThrowIfNull(matcher);
        ArgumentNullException.ThrowIfNull(listenAddress);
        cancellationToken.ThrowIfCancellationRequested();

        var decisions = new EgressDecisionLog(runId, runDirectory, options.RecentDecisions, _logger);
        var context = new EgressContext(runId, matcher, decisions, new UpstreamDialer(resolver, _guard, options), options, _logger, peerUid);
        var listeners = new List<ProxyListener>();
        try
        {
            foreach (var port in matcher.Ports.Distinct().Order())
            {
                listeners.Add(ProxyListener.Start(context, listenAddress, port));
            }

            var dns = DnsListener.Start(context, new DnsResponder(context, resolver, _guard), listenAddress);
            var egress = new SandboxEgress(context, listenAddress, listeners, dns);
            EgressLog.Opened(_logger, runId, listenAddress.ToString(), string.Join(",", egress.Ports.Select(p => $"{p.Key}->{p.Value}")), egress.DnsPort);
            return Task.FromResult(egress);
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
