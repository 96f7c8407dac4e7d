using Labctl.Doctor;
using Labctl.Doctor.Checks;
using Labctl.Tests.Support;
using Labd.Protocol;

namespace Labctl.Tests;

public sealed class DoctorSocketTests : IDisposable
{
    private readonly FakeHost _host = new FakeHost().Healthy();

    public void Dispose() => _host.Dispose();

    [Fact(Timeout = 30000)]
    public async Task No_socket_fails_with_how_to_start_labd_through_systemd_where_it_runs()
    {
        var checks = await SocketCheck.RunAsync(_host.WithSystemd().Probe(), TestContext.Current.CancellationToken);

        var check = Assert.Single(checks);
        Assert.Equal(CheckStatus.Fail, check.Status);
        Assert.Contains("systemctl start labd", check.Fix, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task No_socket_without_systemd_says_how_scripts_install_starts_labd_and_not_systemctl()
    {
        var checks = await SocketCheck.RunAsync(_host.Probe(), TestContext.Current.CancellationToken);

        var check = Assert.Single(checks);
        Assert.Equal(CheckStatus.Fail, check.Status);
        Assert.Equal("labd --foreground >>/var/log/labd.log 2>&1 &   (as root; no systemd here)", check.Fix);
    }

    [Fact(Timeout = 30000)]
    public async Task A_labd_that_answers_is_ok_and_its_sandbox_problems_are_reported()
    {
        await using var daemon = new FakeDaemon(_host.SocketPath).Answer(Routes.Status, CannedResponse.Json(Documents.Status));

        var checks = await SocketCheck.RunAsync(_host.Probe(), TestContext.Current.CancellationToken);

        Assert.Equal(2, checks.Count);
        Assert.Equal(CheckStatus.Ok, checks[0].Status);
        Assert.Contains("labd 0.3.1 answers", checks[0].Detail, StringComparison.Ordinal);
        Assert.Contains("you are admin (uid 0)", checks[0].Detail, StringComparison.Ordinal);
        Assert.Equal(CheckStatus.Fail, checks[1].Status);
        Assert.Equal("/dev/net/tun is mode 0600", checks[1].Detail);
    }

    [Fact(Timeout = 30000)]
    public async Task Doctor_exits_0_on_a_healthy_host_with_labd_running()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_host.SocketPath)
            .Answer(Routes.Status, CannedResponse.Json(Documents.ReadyStatus));
        var environment = new Dictionary<string, string> { ["PATH"] = _host.Bin };

        var result = await InProcessLabctl.RunAsync(environment, false, ct, "doctor", "--root", _host.Root, "--socket", _host.SocketPath);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain(" fail ", result.Out, StringComparison.Ordinal);
        Assert.EndsWith("14 ok, 0 warn, 0 fail\n", result.Out, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task Doctor_json_lists_every_check_with_status_and_fix()
    {
        var ct = TestContext.Current.CancellationToken;
        var environment = new Dictionary<string, string> { ["PATH"] = _host.Bin };

        var result = await InProcessLabctl.RunAsync(environment, false, ct, "doctor", "-o", "json", "--root", _host.Root, "--socket", _host.SocketPath);

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        using var json = System.Text.Json.JsonDocument.Parse(result.Out);
        Assert.False(json.RootElement.GetProperty("ok").GetBoolean());
        var socket = json.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == SocketCheck.Name);
        Assert.Equal("fail", socket.GetProperty("status").GetString());
        Assert.Contains("labd --foreground", socket.GetProperty("fix").GetString(), StringComparison.Ordinal);
    }
}
