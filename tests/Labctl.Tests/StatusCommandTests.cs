using Labctl.Tests.Support;
using Labd.Protocol;

namespace Labctl.Tests;

public sealed class StatusCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 30000)]
    public async Task Status_json_prints_labds_document_verbatim()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.Status, CannedResponse.Json(Documents.Status));

        var result = await InProcessLabctl.RunAsync(ct, "status", "-o", "json", "--socket", daemon.SocketPath);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Documents.Status + "\n", result.Out);
        Assert.Equal("", result.Error);
    }

    [Fact(Timeout = 30000)]
    public async Task Status_asks_labd_for_v1_status_over_the_socket()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.Status, CannedResponse.Json(Documents.Status));

        await InProcessLabctl.RunAsync(ct, "status", "--socket", daemon.SocketPath);

        var request = Assert.Single(daemon.Requests);
        Assert.StartsWith("GET /v1/status HTTP/1.1\r\n", request, StringComparison.Ordinal);
        Assert.Contains("Host: labd", request, StringComparison.OrdinalIgnoreCase);
    }

    [Fact(Timeout = 30000)]
    public async Task Status_table_aligns_keys_and_lists_counts_gpus_and_sandbox_problems()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.Status, CannedResponse.Json(Documents.Status));

        var result = await InProcessLabctl.RunAsync(ct, "status", "--socket", daemon.SocketPath);

        Assert.Equal(0, result.ExitCode);
        var lines = result.Out.Split('\n');
        Assert.Contains("Version    0.3.1", lines);
        Assert.Contains("Started    2026-11-24 01:02:03Z (up 1h02m)", lines);
        Assert.Contains("You are    admin (uid 0, root)", lines);
        Assert.Contains("Sandboxes  not ready (1 problems)", lines);
        Assert.Contains("  - /dev/net/tun is mode 0600", lines);
        Assert.Contains("OBJECT  COUNT", lines);
        Assert.Contains("runs    17", lines);
        Assert.Contains("GPU  DEVICE        PRESENT", lines);
        Assert.Contains("1    /dev/nvidia1  no", lines);
        Assert.DoesNotContain('\u001b', result.Out);
    }

    [Fact(Timeout = 30000)]
    public async Task Status_shows_the_policy_generation_and_the_last_reload()
    {
        var ct = TestContext.Current.CancellationToken;
        var withPolicies = Documents.Status.Replace("\"futureField\"", """
            "policies": {"count": 6, "generation": 3, "source": "/etc/labd/policies", "embedded": false, "loadedAt": "2026-11-24T02:00:00Z",
                         "lastReloadAt": "2026-11-24T02:00:00Z", "lastReloadResult": "ok: 1 changed"}, "futureField"
            """, StringComparison.Ordinal);
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.Status, CannedResponse.Json(withPolicies));

        var result = await InProcessLabctl.RunAsync(ct, "status", "--socket", daemon.SocketPath);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Policies   6 from /etc/labd/policies, generation 3, loaded 2026-11-24 02:00:00Z; last reload 2026-11-24 02:00:00Z: ok: 1 changed", result.Out.Split('\n'));
    }

    [Fact(Timeout = 30000)]
    public async Task Status_on_a_terminal_is_coloured_unless_NO_COLOR_is_set()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.Status, CannedResponse.Json(Documents.Status));

        var coloured = await InProcessLabctl.RunAsync(null, terminal: true, ct, "status", "--socket", daemon.SocketPath);
        var plain = await InProcessLabctl.RunAsync(new Dictionary<string, string> { ["NO_COLOR"] = "1" }, terminal: true, ct, "status", "--socket", daemon.SocketPath);

        Assert.Contains("\u001b[31mnot ready", coloured.Out, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', plain.Out);
    }

    [Fact(Timeout = 30000)]
    public async Task LABD_SOCKET_is_used_when_no_socket_option_is_given_and_the_option_wins_over_it()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.Status, CannedResponse.Json(Documents.Status));
        var environment = new Dictionary<string, string> { ["LABD_SOCKET"] = daemon.SocketPath };

        var fromEnvironment = await InProcessLabctl.RunAsync(environment, false, ct, "status", "-o", "json");
        var optionWins = await InProcessLabctl.RunAsync(environment, false, ct, "status", "--socket", _dir.Combine("other.sock"));

        Assert.Equal(0, fromEnvironment.ExitCode);
        Assert.Equal(ExitCodes.DaemonUnreachable, optionWins.ExitCode);
        Assert.Contains(_dir.Combine("other.sock"), optionWins.Error, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task Inside_a_sandbox_LAB_API_SOCKET_is_the_default_and_LABD_SOCKET_still_wins()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("api.sock")).Answer(Routes.Status, CannedResponse.Json(Documents.Status));

        var sandbox = await InProcessLabctl.RunAsync(new Dictionary<string, string> { ["LAB_API_SOCKET"] = daemon.SocketPath }, false, ct, "status", "-o", "json");
        var both = await InProcessLabctl.RunAsync(
            new Dictionary<string, string> { ["LAB_API_SOCKET"] = daemon.SocketPath, ["LABD_SOCKET"] = _dir.Combine("other.sock") }, false, ct, "status");

        Assert.Equal(0, sandbox.ExitCode);
        Assert.Equal(ExitCodes.DaemonUnreachable, both.ExitCode);
        Assert.Contains(_dir.Combine("other.sock"), both.Error, StringComparison.Ordinal);
    }
}
