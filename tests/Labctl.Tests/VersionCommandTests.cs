using Labctl.Tests.Support;
using Labd.Protocol;

namespace Labctl.Tests;

public sealed class VersionCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 30000)]
    public async Task Version_shows_client_and_daemon_versions()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.Version, CannedResponse.Json(Documents.Version));

        var result = await InProcessLabctl.RunAsync(ct, "version", "--socket", daemon.SocketPath);

        Assert.Equal(0, result.ExitCode);
        var lines = result.Out.Split('\n');
        Assert.Contains($"Client        {ClientVersion.Current}", lines);
        Assert.Contains("Daemon        0.3.1", lines);
        Assert.Contains("API           1", lines);
        Assert.Contains("Capabilities  status, policy", lines);
    }

    [Fact(Timeout = 30000)]
    public async Task Version_json_carries_labds_version_document()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.Version, CannedResponse.Json(Documents.Version));

        var result = await InProcessLabctl.RunAsync(ct, "version", "-o", "json", "--socket", daemon.SocketPath);

        Assert.Equal(0, result.ExitCode);
        using var json = System.Text.Json.JsonDocument.Parse(result.Out);
        Assert.Equal(ClientVersion.Current, json.RootElement.GetProperty("client").GetString());
        Assert.Equal("0.3.1", json.RootElement.GetProperty("daemon").GetProperty("version").GetString());
        Assert.Equal(1, json.RootElement.GetProperty("daemon").GetProperty("apiVersion").GetInt32());
        Assert.False(json.RootElement.TryGetProperty("daemonError", out _));
    }

    [Fact(Timeout = 30000)]
    public async Task Version_without_labd_still_prints_the_client_version_and_exits_3()
    {
        var ct = TestContext.Current.CancellationToken;
        var socket = _dir.Combine("absent.sock");

        var table = await InProcessLabctl.RunAsync(ct, "version", "--socket", socket);
        var json = await InProcessLabctl.RunAsync(ct, "version", "-o", "json", "--socket", socket);

        Assert.Equal(ExitCodes.DaemonUnreachable, table.ExitCode);
        Assert.Contains($"Client  {ClientVersion.Current}", table.Out, StringComparison.Ordinal);
        Assert.Contains("Daemon  unreachable", table.Out, StringComparison.Ordinal);
        Assert.StartsWith($"labctl: no socket at {socket}", table.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.DaemonUnreachable, json.ExitCode);
        using var document = System.Text.Json.JsonDocument.Parse(json.Out);
        Assert.Contains("no socket at", document.RootElement.GetProperty("daemonError").GetString(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task A_daemon_speaking_another_api_version_is_pointed_out()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock"))
            .Answer(Routes.Version, CannedResponse.Json("""{"version":"9.0.0","apiVersion":2,"capabilities":[]}"""));

        var result = await InProcessLabctl.RunAsync(ct, "version", "--socket", daemon.SocketPath);

        Assert.Contains("API           2 (labctl speaks 1)", result.Out, StringComparison.Ordinal);
    }
}
