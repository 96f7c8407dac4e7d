using Labctl.Tests.Support;
using Labd.Protocol;

namespace Labctl.Tests;

public sealed class PolicyCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 30000)]
    public async Task Policy_reload_prints_every_error_labd_lists_then_the_detail_and_exits_7()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Body = """
            {"type":"urn:labd:problem:policy-invalid","title":"Unprocessable Content","status":422,"detail":"2 error(s); generation 4 stays in force","code":"policy-invalid",
             "errors":["/p/team.yaml:2:7: error LP030: gpus must be a whole number","/p/team.yaml:4:7: error LP012: unknown mode 'rwx'"]}
            """;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock"))
            .Answer(Routes.PoliciesReload, new CannedResponse(422, "application/problem+json", Body));

        var result = await InProcessLabctl.RunAsync(ct, "policy", "reload", "--socket", daemon.SocketPath);

        Assert.Equal(ExitCodes.Invalid, result.ExitCode);
        Assert.Equal(
            "/p/team.yaml:2:7: error LP030: gpus must be a whole number\n/p/team.yaml:4:7: error LP012: unknown mode 'rwx'\nlabctl: 2 error(s); generation 4 stays in force (policy-invalid)\n",
            result.Error);
        Assert.Contains("POST /v1/policies/reload", daemon.Requests.Single(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task Policy_ls_prints_short_hashes_the_parents_gpus_and_allow_counts()
    {
        var ct = TestContext.Current.CancellationToken;
        var hash = new string('a', 64);
        var body = $$"""
            {"generation":3,"loadedAt":"2026-01-01T00:00:00Z","source":"/etc/labd/policies","embedded":false,"policies":[
              {"name":"default","hash":"{{hash}}","chain":["default"],"allowCount":18,"maxGpus":1,"source":"/etc/labd/policies/default.yaml"},
              {"name":"gpu-research","hash":"{{hash}}","chain":["default","gpu-research"],"allowCount":18,"maxGpus":8,"source":"/etc/labd/policies/gpu-research.yaml"}]}
            """;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.Policies, CannedResponse.Json(body));

        var result = await InProcessLabctl.RunAsync(ct, "policy", "ls", "--socket", daemon.SocketPath);

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        var lines = result.Out.Split('\n');
        Assert.Equal("NAME          HASH          EXTENDS  GPUS  ALLOW", lines[0]);
        Assert.Equal("default       aaaaaaaaaaaa  -        1     18", lines[1]);
        Assert.Equal("gpu-research  aaaaaaaaaaaa  default  8     18", lines[2]);
        Assert.Contains("generation 3", lines[3], StringComparison.Ordinal);
    }
}
