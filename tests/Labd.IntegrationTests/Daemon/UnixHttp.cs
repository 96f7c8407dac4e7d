using System.Net.Sockets;

namespace Labd.IntegrationTests.Daemon;

/// <summary>An HttpClient that talks HTTP over a Unix socket, as this (root) process.</summary>
internal static class UnixHttp
{
    public static HttpClient Create(string socketPath) =>
        new(new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        })
        {
            BaseAddress = new Uri("http://labd"),
            Timeout = TimeSpan.FromSeconds(20),
        };
}
