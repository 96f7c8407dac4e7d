using System.Net;
using System.Net.Sockets;

namespace Labd.Egress;

/// <summary>
/// Resolves names for the proxy (before dialing) and for the sandbox's DNS listener.
/// Only ever called with names the policy allowed, so nothing else leaks upstream.
/// </summary>
internal interface IEgressResolver
{
    /// <summary>Addresses of <paramref name="host"/> in <paramref name="family"/>; empty when the name does not exist.</summary>
    Task<IReadOnlyList<IPAddress>> ResolveAsync(string host, AddressFamily family, CancellationToken cancellationToken);
}
