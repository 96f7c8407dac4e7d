using System.Net;
using System.Net.Sockets;
using Labd.Hosting;
using Labd.SandboxPolicy.Config;

namespace Labd.Egress;

/// <summary>
/// The resolver labd.yaml's <c>egress</c> names now: the host's, or <c>upstreamDns</c>. It follows
/// a reload (SIGHUP): each lookup reads the settings in force and rebuilds the inner resolver
/// when <c>egress</c> changed, so running sandboxes resolve through the new server from their next name on.
/// </summary>
internal sealed class ConfiguredEgressResolver(LabdSettings settings, EgressOptions options) : IEgressResolver
{
    private volatile Current? _current;

    public Task<IReadOnlyList<IPAddress>> ResolveAsync(string host, AddressFamily family, CancellationToken cancellationToken) =>
        Resolver().ResolveAsync(host, family, cancellationToken);

    private IEgressResolver Resolver()
    {
        var config = settings.Current.Egress;
        var current = _current;
        if (current is null || current.Config != config)
        {
            current = new Current(config, EgressResolverFactory.Create(config, options));
            _current = current;
        }
        return current.Resolver;
    }

    private sealed record Current(EgressConfig Config, IEgressResolver Resolver);
}
