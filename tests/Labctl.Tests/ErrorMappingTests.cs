using System.Net.Sockets;
using Labctl.Tests.Support;
using Labd.Protocol;

namespace Labctl.Tests;

public sealed class ErrorMappingTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory(Timeout = 30000)]
    [InlineData(403, "forbidden", ExitCodes.PermissionDenied)]
    [InlineData(403, "not-a-member", ExitCodes.PermissionDenied)]
    [InlineData(404, "not-found", ExitCodes.NotFound)]
    [InlineData(404, "run-not-found", ExitCodes.NotFound)]
    [InlineData(409, "conflict", ExitCodes.Conflict)]
    [InlineData(400, "bad-request", ExitCodes.Invalid)]
    [InlineData(422, "policy-invalid", ExitCodes.Invalid)]
    [InlineData(503, "sandbox-unavailable", ExitCodes.Unavailable)]
    [InlineData(500, "internal", ExitCodes.Failure)]
    [InlineData(500, "a-code-from-a-newer-labd", ExitCodes.Failure)]
    public async Task A_problem_from_labd_prints_its_detail_and_code_and_exits_with_the_mapped_code(int status, string code, int exitCode)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock"))
            .Answer(Routes.Status, CannedResponse.Problem(status, code, "you may not look at lab 7; ask its owner"));

        var result = await InProcessLabctl.RunAsync(ct, "status", "--socket", daemon.SocketPath);

        Assert.Equal(exitCode, result.ExitCode);
        Assert.Equal($"labctl: you may not look at lab 7; ask its owner ({code})\n", result.Error);
        Assert.Equal("", result.Out);
    }

    [Fact(Timeout = 30000)]
    public async Task An_error_that_is_not_a_problem_document_still_reports_status_and_body()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock"))
            .Answer(Routes.Status, new CannedResponse(502, "text/plain", "upstream exploded"));

        var result = await InProcessLabctl.RunAsync(ct, "status", "--socket", daemon.SocketPath);

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("502", result.Error, StringComparison.Ordinal);
        Assert.Contains("upstream exploded", result.Error, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task A_missing_socket_exits_3_and_says_what_to_try_next()
    {
        var ct = TestContext.Current.CancellationToken;
        var socket = _dir.Combine("absent.sock");

        var result = await InProcessLabctl.RunAsync(ct, "status", "--socket", socket);

        Assert.Equal(ExitCodes.DaemonUnreachable, result.ExitCode);
        Assert.StartsWith($"labctl: no socket at {socket}; is labd running? ", result.Error, StringComparison.Ordinal);
        // systemctl only where PID 1 is systemd (sd_booted(3)); this machine decides which.
        Assert.Equal(Directory.Exists("/run/systemd/system"), result.Error.Contains("systemctl status labd", StringComparison.Ordinal));
        Assert.Contains("labctl doctor", result.Error, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task A_stale_socket_nobody_listens_on_exits_3_with_connection_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        var socket = _dir.Combine("stale.sock");
        using (var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            // .NET unlinks a socket file it bound when the socket is disposed; a renamed one stays behind, like labd's after kill -9.
            listener.Bind(new UnixDomainSocketEndPoint(_dir.Combine("bound.sock")));
            File.Move(_dir.Combine("bound.sock"), socket);
        }

        var result = await InProcessLabctl.RunAsync(ct, "status", "--socket", socket);

        Assert.True(File.Exists(socket));
        Assert.Equal(ExitCodes.DaemonUnreachable, result.ExitCode);
        Assert.Contains("connection refused", result.Error, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task A_success_answer_labctl_cannot_read_is_a_failure_not_a_crash()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.Status, CannedResponse.Json("{\"version\": 12"));

        var result = await InProcessLabctl.RunAsync(ct, "status", "--socket", daemon.SocketPath);

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.StartsWith("labctl: labd answered /v1/status with JSON labctl does not understand", result.Error, StringComparison.Ordinal);
    }
}
