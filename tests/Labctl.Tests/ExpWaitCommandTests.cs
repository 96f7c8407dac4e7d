using Labctl.Tests.Support;

namespace Labctl.Tests;

/// <summary><c>labctl exp wait --timeout</c>: bounded, so an agent's shell tool (killed after 2
/// minutes in Claude Code) can wait in steps; "still going" has its own exit code.</summary>
public sealed class ExpWaitCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 60000)]
    public async Task A_wait_bounded_by_timeout_prints_the_experiment_as_it_is_and_exits_124_while_it_runs()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("api.sock"))
            .Answer("/v1/experiments/7/wait", CannedResponse.Never)
            .Answer("/v1/experiments/7", CannedResponse.Json(Record(7, "running")))
            .Answer("/v1/experiments/8/wait", CannedResponse.Json(Record(8, "succeeded")))
            .Answer("/v1/experiments/9/wait", CannedResponse.Json(Record(9, "failed")));
        var environment = new Dictionary<string, string> { ["LABD_SOCKET"] = daemon.SocketPath };

        // Only the running one meets its limit; the others are answered long before theirs.
        var running = await LabctlBinary.RunAsync(environment, ct, "exp", "wait", "--timeout", "1s", "7");
        var succeeded = await LabctlBinary.RunAsync(environment, ct, "exp", "wait", "--timeout", "5m", "8");
        var failed = await LabctlBinary.RunAsync(environment, ct, "exp", "wait", "--timeout", "5m", "9");
        var bad = await LabctlBinary.RunAsync(environment, ct, "exp", "wait", "--timeout", "soon", "7");

        Assert.Equal(124, running.ExitCode);
        Assert.Contains("running", running.Out, StringComparison.Ordinal);
        Assert.Equal("", running.Error);
        Assert.Equal(0, succeeded.ExitCode);
        Assert.Equal(1, failed.ExitCode);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--timeout 'soon' is not a duration", bad.Error, StringComparison.Ordinal);
    }

    private static string Record(long id, string status) => $$"""
        {"id":{{id}},"label":"exp/3.{{id}}","lab":"cifar","idea":3,"seq":{{id}},"commit":"0123456789abcdef0123456789abcdef01234567",
         "command":["python3","train.py"],"meta":{},"tags":[],"gpus":0,"gpuIds":null,"timeoutSeconds":null,"priority":0,"submitter":"alice",
         "status":"{{status}}","reason":null,"runId":null,"exitCode":null,"metrics":null,
         "createdAt":"2026-01-01T00:00:00Z","startedAt":null,"endedAt":null}
        """;
}
