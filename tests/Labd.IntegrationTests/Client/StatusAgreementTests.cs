using System.Text.Json.Nodes;
using Labd.IntegrationTests.Daemon;

namespace Labd.IntegrationTests.Client;

/// <summary>labctl and plain curl see the same daemon document: labctl adds nothing and drops nothing.</summary>
public sealed class StatusAgreementTests
{
    /// <summary>The real labctl next to the tests, or the Native AOT build CI names in LABCTL_BIN.</summary>
    private static string LabctlPath =>
        Environment.GetEnvironmentVariable("LABCTL_BIN") is { Length: > 0 } aot ? aot : Path.Combine(AppContext.BaseDirectory, "labctl");

    [Fact(Timeout = 60000)]
    public async Task Labctl_status_json_and_curl_on_the_socket_report_the_same_document()
    {
        Root.Require("labd binds its socket with root ownership");
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TestDir();
        await using var labd = LabdProcess.Start(dir);
        await labd.WaitUntilAnsweringAsync(ct);

        var labctl = await Command.CheckedAsync(LabctlPath, ["status", "-o", "json", "--socket", labd.SocketPath], ct);
        var curl = await Command.CheckedAsync("curl", ["-sS", "--fail", "--unix-socket", labd.SocketPath, "http://labd/v1/status"], ct);

        var fromLabctl = JsonNode.Parse(labctl)!.AsObject();
        var fromCurl = JsonNode.Parse(curl)!.AsObject();
        // Uptime is the one member that moves between the two requests; everything else must be identical.
        Assert.True(fromLabctl.Remove("uptimeSeconds"));
        Assert.True(fromCurl.Remove("uptimeSeconds"));
        Assert.True(JsonNode.DeepEquals(fromLabctl, fromCurl), $"labctl: {fromLabctl}\ncurl:   {fromCurl}");
        Assert.Equal(labd.SocketPath, (string?)fromLabctl["socket"]);
    }
}
