using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Labd.Egress;
using Labd.IntegrationTests.TestBed;
using Labd.SandboxPolicy;
using Microsoft.Extensions.Logging.Abstractions;

namespace Labd.IntegrationTests.Egress;

/// <summary>
/// One sandbox's egress, opened on 127.0.0.1 against the fake internet, and a client that
/// connects the way a DNAT'ed sandbox connection arrives: straight to the listener of the
/// destination port, with no hint of the destination address.
/// </summary>
internal sealed class EgressHarness : IAsyncDisposable
{
    private EgressHarness(FakeInternet inet, SandboxEgress egress, TestEgressMatcher matcher, string runDirectory)
    {
        Inet = inet;
        Egress = egress;
        Matcher = matcher;
        RunDirectory = runDirectory;
    }

    public FakeInternet Inet { get; }

    public SandboxEgress Egress { get; }

    public TestEgressMatcher Matcher { get; }

    public string RunDirectory { get; }

    public IReadOnlyList<EgressDecisionRecord> Decisions => Egress.Decisions.Recent();

    public EgressDecisionRecord LastDecision => Decisions[^1];

    public static async Task<EgressHarness> StartAsync(FakeInternet inet, CancellationToken cancellationToken, TestEgressMatcher? matcher = null,
        IEgressResolver? resolver = null, bool refuseHostAddresses = true, int? peerUid = null, TimeSpan? peekTimeout = null, EgressOptions? options = null,
        IEgressMatcher? policy = null)
    {
        inet.RequireAvailable();
        matcher ??= TestEgressMatcher.Default;
        resolver ??= new DnsUpstreamResolver(new IPEndPoint(FakeInternet.DnsAddress, 53), TimeSpan.FromSeconds(2));
        var service = new EgressService(resolver, (options ?? new EgressOptions()) with { PeekTimeout = peekTimeout ?? TimeSpan.FromSeconds(5) }, NullLoggerFactory.Instance,
            new AddressGuard(refuseHostAddresses));
        var runDirectory = Directory.CreateTempSubdirectory("labdt-egress-run-").FullName;
        var egress = await service.OpenAsync("run-test", policy ?? matcher, IPAddress.Loopback, runDirectory, peerUid, cancellationToken);
        return new EgressHarness(inet, egress, matcher, runDirectory);
    }

    public async Task<Socket> ConnectAsync(int destinationPort, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Egress.Ports[destinationPort]), cancellationToken);
        return socket;
    }

    /// <summary>Sends bytes, then reads until the proxy or the server closes.</summary>
    public async Task<byte[]> ExchangeAsync(int destinationPort, byte[] request, CancellationToken cancellationToken)
    {
        using var socket = await ConnectAsync(destinationPort, cancellationToken);
        await socket.SendAsync(request, SocketFlags.None, cancellationToken);
        return await ReadToEndAsync(new NetworkStream(socket, ownsSocket: false), cancellationToken);
    }

    public async Task<string> HttpAsync(string request, CancellationToken cancellationToken, int destinationPort = 80) =>
        Encoding.ASCII.GetString(await ExchangeAsync(destinationPort, Encoding.ASCII.GetBytes(request), cancellationToken));

    /// <summary>HTTPS GET with SNI <paramref name="serverName"/>, trusting only the test CA.
    /// Throws when the proxy refuses (the handshake fails).</summary>
    public async Task<string> HttpsAsync(string serverName, CancellationToken cancellationToken, string? host = null, Socket? connected = null, bool trustAnyCertificate = false)
    {
        using var socket = connected ?? await ConnectAsync(443, cancellationToken);
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            RemoteCertificateValidationCallback = (_, certificate, _, errors) => trustAnyCertificate || TrustsTestCa(certificate, errors),
        }, cancellationToken);
        await tls.WriteAsync(Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: {host ?? serverName}\r\nConnection: close\r\n\r\n"), cancellationToken);
        return Encoding.ASCII.GetString(await ReadToEndAsync(tls, cancellationToken));
    }

    private bool TrustsTestCa(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Inet.CaCertificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(new X509Certificate2(certificate));
    }

    public static async Task<byte[]> ReadToEndAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var output = new MemoryStream();
        try
        {
            await stream.CopyToAsync(output, cancellationToken);
        }
        catch (IOException)
        {
            // A reset after the response still leaves what was read.
        }

        return output.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await Egress.DisposeAsync();
        Directory.Delete(RunDirectory, recursive: true);
    }
}
