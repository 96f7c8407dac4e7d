using System.Net.Sockets;
using System.Text.Json;
using Labd.IntegrationTests.TestBed;
using Labd.Protocol;

namespace Labd.IntegrationTests.Runs;

/// <summary>
/// Identity is the socket (DESIGN.md, security model 4): each sandbox reaches labd through its
/// own <c>/run/lab/api.sock</c>, and whatever connects there is that sandbox, confined to it.
/// </summary>
[Collection(FakeInternetTests.Name)]
public sealed class SandboxSocketTests(FakeInternet inet)
{
    [Fact(Timeout = 120000)]
    public async Task A_run_reaches_labd_through_its_own_socket_as_itself_and_only_what_its_kind_may()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await RunsBed.StartAsync(inet, ct);
        var script = "curl -sS --unix-socket /run/lab/api.sock http://labd/v1/self; echo; "
            + "curl -sS -o /dev/null -w '%{http_code}\\n' --unix-socket /run/lab/api.sock http://labd/v1/policies; "
            + "curl -sS -o /dev/null -w '%{http_code}\\n' --unix-socket /run/lab/api.sock http://labd/v1/runs; "
            + "echo $LAB_API_SOCKET; ls /run/labd 2>&1 | head -1";

        var (exit, stdout, stderr) = await bed.LabctlAsync(["run", "--", "sh", "-c", script], ct);

        Assert.True(exit == 0, $"exit {exit}: {stdout}\n{stderr}\n{bed.Labd.Output}");
        // rootlesskit's start-up warnings share the output: take the script's lines from the JSON on.
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).SkipWhile(l => !l.StartsWith('{')).ToList();
        var self = JsonSerializer.Deserialize(lines[0], ProtocolJsonContext.Default.SelfInfo)!;
        Assert.Equal("experiment", self.Kind);
        Assert.NotNull(self.Run);
        Assert.NotEqual(0, self.Uid);
        Assert.Equal("403", lines[1]);
        Assert.Equal("403", lines[2]);
        Assert.Equal("/run/lab/api.sock", lines[3]);
    }

    [Fact(Timeout = 120000)]
    public async Task A_host_process_that_finds_the_socket_path_is_not_served_as_the_sandbox()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await RunsBed.StartAsync(inet, ct);
        var run = await bed.StartRunAsync(["sleep", "30"], ct);
        var socketPath = Path.Combine(bed.Labd.StateDir, "runs", run.Id, "lab", "api.sock");
        await WaitForAsync(() => File.Exists(socketPath), ct);

        // Root (this test) is not one of the sandbox's uids: labd closes the connection unserved.
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
        await socket.SendAsync("GET /v1/self HTTP/1.1\r\nHost: labd\r\n\r\n"u8.ToArray(), ct);
        var buffer = new byte[4096];
        int read;
        try
        {
            read = await socket.ReceiveAsync(buffer, ct);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            // Closed with our request unread: the kernel answers with a reset. Also unserved.
            read = 0;
        }

        Assert.True(read == 0, "labd answered: " + System.Text.Encoding.UTF8.GetString(buffer, 0, read));
        await WaitForAsync(() => bed.Labd.Output.Contains("refused a connection to the API socket of " + run.Id, StringComparison.Ordinal), ct);
        using var client = bed.Labd.Client();
        await client.PostAsync(Routes.RunCancel(run.Id), null, ct);
    }

    private static async Task WaitForAsync(Func<bool> condition, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, ct);
        }
        Assert.True(condition(), "timed out");
    }
}
