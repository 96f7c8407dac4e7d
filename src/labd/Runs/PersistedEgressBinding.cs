using System.Net;

namespace Labd.Runs;

/// <summary>
/// <see cref="EgressBinding"/> as stored in <c>&lt;runDir&gt;/egress.json</c>: the sandbox's
/// netfilter rules point at these host ports for the run's whole life, so after a labd
/// restart the egress component must listen on exactly these again.
/// </summary>
internal sealed record PersistedEgressBinding(string ProxyAddress, Dictionary<int, int> PortMap, int DnsPort)
{
    public static PersistedEgressBinding From(EgressBinding binding) =>
        new(binding.ProxyAddress.ToString(), new Dictionary<int, int>(binding.PortMap), binding.DnsPort);

    public EgressBinding ToBinding() => new(IPAddress.Parse(ProxyAddress), PortMap, DnsPort);
}
