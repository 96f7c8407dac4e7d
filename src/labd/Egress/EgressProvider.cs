using System.Net;
using Labd.Runs;
using Labd.SandboxPolicy;

namespace Labd.Egress;

/// <summary>
/// The Runs component's <see cref="IEgressProvider"/> over <see cref="EgressService"/>: one
/// proxy listener per allowed port and a DNS listener per run, on the egress host address,
/// with the decision journal and listener ports kept in the run directory.
/// </summary>
internal sealed class EgressProvider(EgressService service, IPAddress listenAddress) : IEgressProvider
{
    public async ValueTask<EgressBinding> BindAsync(string runId, IEgressMatcher matcher, string runDirectory, int sandboxUid, CancellationToken cancellationToken)
    {
        var egress = await service.OpenAsync(runId, matcher, listenAddress, runDirectory, sandboxUid, cancellationToken).ConfigureAwait(false);
        return new EgressBinding(egress.ListenAddress, egress.Ports, egress.DnsPort);
    }

    public ValueTask ReleaseAsync(string runId, CancellationToken cancellationToken) =>
        service.CloseAsync(runId, cancellationToken);
}
