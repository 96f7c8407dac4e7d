using System.Net;
using System.Net.Sockets;
using Labd.SandboxPolicy;

namespace Labd.Egress;

/// <summary>
/// Turns an allowed name into a connected socket: the proxy resolves the name itself and
/// dials what it resolved, never the destination the sandbox chose (N3). Every address is
/// checked before any is dialed, so a name that resolves to one good and one internal
/// address is refused as a whole (N13).
/// </summary>
internal sealed class UpstreamDialer(IEgressResolver resolver, AddressGuard guard, EgressOptions options)
{
    public async Task<UpstreamConnection> ConnectAsync(string host, IPAddress? literal, int port, IEgressMatcher matcher, CancellationToken cancellationToken)
    {
        IReadOnlyList<IPAddress> addresses;
        if (literal is not null)
        {
            addresses = [literal];
        }
        else
        {
            using var resolveDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            resolveDeadline.CancelAfter(options.ResolveTimeout);
            try
            {
                addresses = await resolver.ResolveAsync(host, AddressFamily.InterNetwork, resolveDeadline.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or TimeoutException
                || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                return new UpstreamConnection(null, null, $"could not resolve {host}");
            }
        }

        if (addresses.Count == 0)
        {
            return new UpstreamConnection(null, null, $"{host} does not resolve");
        }

        foreach (var address in addresses)
        {
            if (guard.Check(address, port, matcher) is { } refusal)
            {
                return new UpstreamConnection(null, AddressGuard.Normalize(address), refusal);
            }
        }

        string? lastError = null;
        foreach (var raw in addresses)
        {
            var address = AddressGuard.Normalize(raw);
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            using var connectDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connectDeadline.CancelAfter(options.ConnectTimeout);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), connectDeadline.Token).ConfigureAwait(false);
                return new UpstreamConnection(socket, address, null);
            }
            catch (Exception ex) when (ex is SocketException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                socket.Dispose();
                lastError = ex is SocketException se ? $"connect to {address}:{port} failed: {se.SocketErrorCode}" : $"connect to {address}:{port} timed out";
            }
        }

        return new UpstreamConnection(null, AddressGuard.Normalize(addresses[^1]), lastError);
    }
}
