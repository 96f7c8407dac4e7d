using System.Net;
using Labd.SandboxPolicy.Config;

namespace Labd.Egress;

/// <summary>The production resolver: the host's, unless labd.yaml names an upstream DNS server.</summary>
internal static class EgressResolverFactory
{
    public static IEgressResolver Create(EgressConfig config, EgressOptions options) =>
        config.UpstreamDns is { } server
            ? new DnsUpstreamResolver(IPEndPoint.Parse(server), options.ResolveTimeout)
            : new SystemEgressResolver();
}
