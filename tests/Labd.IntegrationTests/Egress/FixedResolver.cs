using System.Net;
using System.Net.Sockets;
using Labd.Egress;

namespace Labd.IntegrationTests.Egress;

/// <summary>Resolves every name to fixed addresses: stands in for "the proxy trusts the
/// destination the sandbox chose" in negative controls.</summary>
internal sealed class FixedResolver(params IPAddress[] addresses) : IEgressResolver
{
    public Task<IReadOnlyList<IPAddress>> ResolveAsync(string host, AddressFamily family, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<IPAddress>>(addresses);
}
