using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Labd.Egress;

namespace Labd.Tests.Egress;

/// <summary>ClientHellos as real clients send them.</summary>
internal static class RealClientHellos
{
    /// <summary>Captured from <c>openssl s_client -connect 127.0.0.1:24443 -servername allowed.test</c> (OpenSSL 3.0, Debian 12).</summary>
    public static byte[] OpenSsl => Convert.FromHexString(OpenSslHex);

    private const string OpenSslHex = "1603010139010001350303802a0356b37c5877ef5e1ca5286edd8bd456b26d1c71975217a1202383b672df20c62c9aa838ff44dbce12af685b6c6eef137c5f973c4736f92e5f98858eea9261003e130213031301c02cc030009fcca9cca8ccaac02bc02f009ec024c028006bc023c0270067c00ac0140039c009c0130033009d009c003d003c0035002f00ff010000ae00000011000f00000c616c6c6f7765642e74657374000b000403000102000a00160014001d0017001e0019001801000101010201030104002300000016000000170000000d002a0028040305030603080708080809080a080b080408050806040105010601030303010302040205020602002b0009080304030303020301002d00020101003300260024001d0020c277bad094e8d0297cac7e72d4d7f737c738e6c0f520af55ebe199002a6f3a50";

    /// <summary>Captures the first flight of .NET's own <see cref="SslStream"/> client for <paramref name="host"/>.</summary>
    public static async Task<byte[]> DotNetAsync(string host, CancellationToken cancellationToken)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new TcpClient();
        await client.ConnectAsync((IPEndPoint)listener.LocalEndPoint!, cancellationToken);
        using var server = await listener.AcceptAsync(cancellationToken);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var ssl = new SslStream(client.GetStream());
        var handshake = ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host }, stop.Token);
        var buffer = new byte[64 * 1024];
        var count = 0;
        while (ClientHelloParser.Parse(buffer.AsSpan(0, count)).Status == ClientHelloStatus.Incomplete)
        {
            var n = await server.ReceiveAsync(buffer.AsMemory(count), SocketFlags.None, cancellationToken);
            Assert.NotEqual(0, n);
            count += n;
        }

        await stop.CancelAsync();
        server.Close();
        await Assert.ThrowsAnyAsync<Exception>(() => handshake);
        await ssl.DisposeAsync();
        return buffer[..count];
    }
}
