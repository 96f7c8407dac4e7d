using System.Net;

namespace Labd.Runs;

/// <summary>
/// Where a sandbox's traffic goes, as the egress component (proxy + resolver) provides it.
/// The sandbox's netfilter rules DNAT every TCP connection whose destination port is a key of
/// <see cref="PortMap"/> to <see cref="ProxyAddress"/>:<c>PortMap[port]</c>, and DNS
/// (UDP and TCP port 53) to <see cref="ProxyAddress"/>:<see cref="DnsPort"/>. Everything else
/// is rejected inside the sandbox's network namespace.
/// </summary>
/// <param name="ProxyAddress">A host-local IPv4 address that is not loopback, so slirp4netns
/// with <c>--disable-host-loopback</c> can reach it (see <see cref="EgressHostAddress"/>).</param>
/// <param name="PortMap">Sandbox destination port → the host port of this sandbox's listener for
/// it. Ports of the policy (<c>IEgressMatcher.Ports</c>) missing from the map are rejected.</param>
/// <param name="DnsPort">The host port (UDP and TCP) of this sandbox's DNS listener.</param>
internal sealed record EgressBinding(IPAddress ProxyAddress, IReadOnlyDictionary<int, int> PortMap, int DnsPort);
