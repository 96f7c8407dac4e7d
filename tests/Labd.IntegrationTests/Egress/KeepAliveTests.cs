using System.Net;
using System.Net.Sockets;
using System.Text;
using Labd.IntegrationTests.TestBed;

namespace Labd.IntegrationTests.Egress;

/// <summary>ESCAPE-SUITE N8: one policed request per connection.</summary>
[Collection(FakeInternetTests.Name)]
public sealed class KeepAliveTests(FakeInternet inet)
{
    private const string TwoRequests =
        "GET / HTTP/1.1\r\nHost: allowed.test\r\n\r\nGET /secret HTTP/1.1\r\nHost: denied.test\r\n\r\n";

    [Fact(Timeout = 30_000)]
    public async Task N8_second_request_for_another_host_on_a_keep_alive_connection_never_reaches_a_server()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);
        var allowed = LogMark.Of(inet.AllowedLog);

        var response = await h.HttpAsync(TwoRequests, ct);

        Assert.Single(response.Split("HTTP/1.1 ", StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("ALLOWED host=allowed.test path=/", response, StringComparison.Ordinal);
        Assert.DoesNotContain("/secret", allowed.NewText(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task N8_connection_closes_after_the_first_response()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);
        var allowed = LogMark.Of(inet.AllowedLog);
        using var socket = await h.ConnectAsync(80, ct);

        await socket.SendAsync("GET / HTTP/1.1\r\nHost: allowed.test\r\nConnection: keep-alive\r\n\r\n"u8.ToArray(), SocketFlags.None, ct);
        var first = await EgressHarness.ReadToEndAsync(new NetworkStream(socket, ownsSocket: false), ct);

        Assert.Contains("ALLOWED", Encoding.ASCII.GetString(first), StringComparison.Ordinal);
        try
        {
            await socket.SendAsync("GET /secret HTTP/1.1\r\nHost: denied.test\r\n\r\n"u8.ToArray(), SocketFlags.None, ct);
        }
        catch (SocketException)
        {
            // Closed already: fine.
        }

        Assert.DoesNotContain("/secret", allowed.NewText(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task N8_negative_control_the_server_itself_serves_both_requests_on_one_connection()
    {
        var ct = TestContext.Current.CancellationToken;
        inet.RequireAvailable();
        var allowed = LogMark.Of(inet.AllowedLog);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(FakeInternet.AllowedAddress, 80), ct);

        await socket.SendAsync(Encoding.ASCII.GetBytes(TwoRequests), SocketFlags.None, ct);

        await allowed.WaitForAsync("GET /secret Host=denied.test", ct);
    }

    [Fact(Timeout = 30_000)]
    public async Task N8_chunked_body_is_forwarded_whole_and_the_request_pipelined_after_it_is_not()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);
        var allowed = LogMark.Of(inet.AllowedLog);

        var response = await h.HttpAsync(
            "POST /upload HTTP/1.1\r\nHost: allowed.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n" +
            "GET /secret HTTP/1.1\r\nHost: denied.test\r\n\r\n", ct);

        Assert.Contains("ALLOWED host=allowed.test path=/upload", response, StringComparison.Ordinal);
        var log = allowed.NewText();
        Assert.Contains("POST /upload Host=allowed.test body=11", log, StringComparison.Ordinal);
        Assert.DoesNotContain("/secret", log, StringComparison.Ordinal);
    }
}
