using System.Net.Http.Json;
using Labd.Interop;
using Labd.Protocol;

namespace Labd.IntegrationTests.Daemon;

public sealed class NotifyTests
{
    [Fact(Timeout = 60000)]
    public async Task READY_arrives_only_once_the_api_answers()
    {
        Root.Require("labd binds its socket with root ownership");
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TestDir();
        using var notify = new NotifyListener(dir["notify"]);
        await using var labd = LabdProcess.Start(dir, environment: new Dictionary<string, string> { ["NOTIFY_SOCKET"] = notify.Address });

        var ready = await notify.WaitForAsync("READY=1", ct);

        // No retry: at the moment READY=1 arrives the socket must already serve requests.
        using var client = labd.Client();
        using var response = await client.GetAsync(Routes.Version, ct);
        Assert.True(response.IsSuccessStatusCode);
        Assert.Contains("STATUS=Listening on " + labd.SocketPath, ready, StringComparison.Ordinal);
        Assert.Contains($"MAINPID={labd.Pid}", ready, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task SIGHUP_sends_RELOADING_with_a_monotonic_timestamp_reloads_the_config_then_READY()
    {
        Root.Require("labd binds its socket with root ownership");
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TestDir();
        Directory.CreateDirectory(dir["dev-a"]);
        Directory.CreateDirectory(dir["dev-b"]);
        File.WriteAllText(dir["dev-b/nvidia7"], "");
        // An abstract name, as systemd itself uses.
        using var notify = new NotifyListener("@labdt-notify-" + Guid.NewGuid().ToString("N"));
        await using var labd = LabdProcess.Start(dir, $"gpus:\n  deviceDir: {dir["dev-a"]}\n", new Dictionary<string, string> { ["NOTIFY_SOCKET"] = notify.Address });
        await notify.WaitForAsync("READY=1", ct);
        using var client = labd.Client();
        Assert.Empty((await client.GetFromJsonAsync(Routes.Status, ProtocolJsonContext.Default.StatusInfo, ct))!.Gpus);
        File.WriteAllText(labd.ConfigPath, $"gpus:\n  deviceDir: {dir["dev-b"]}\n");
        var before = MonotonicClock.NowMicroseconds();

        labd.Signal(Signals.SIGHUP);

        var reloading = await notify.WaitForAsync("RELOADING=1", ct);
        var stamp = long.Parse(reloading.Split('\n').Single(l => l.StartsWith("MONOTONIC_USEC=", StringComparison.Ordinal))["MONOTONIC_USEC=".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(stamp, before, MonotonicClock.NowMicroseconds());
        await notify.WaitForAsync("READY=1", ct);
        var gpu = Assert.Single((await client.GetFromJsonAsync(Routes.Status, ProtocolJsonContext.Default.StatusInfo, ct))!.Gpus);
        Assert.Equal(7, gpu.Index);
        Assert.False(labd.HasExited);
    }

    [Fact(Timeout = 60000)]
    public async Task A_bad_config_on_reload_keeps_the_old_one_and_says_so_in_STATUS()
    {
        Root.Require("labd binds its socket with root ownership");
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TestDir();
        using var notify = new NotifyListener(dir["notify"]);
        await using var labd = LabdProcess.Start(dir, "", new Dictionary<string, string> { ["NOTIFY_SOCKET"] = notify.Address });
        await notify.WaitForAsync("READY=1", ct);
        File.WriteAllText(labd.ConfigPath, "bogus: 1\n");

        labd.Signal(Signals.SIGHUP);

        await notify.WaitForAsync("RELOADING=1", ct);
        var ready = await notify.WaitForAsync("READY=1", ct);
        Assert.Contains("STATUS=Reload failed, previous configuration in force: " + labd.ConfigPath + ":1:1: unknown key 'bogus'", ready, StringComparison.Ordinal);
        await labd.WaitUntilAnsweringAsync(ct);
    }

    [Fact(Timeout = 60000)]
    public async Task SIGTERM_sends_STOPPING()
    {
        Root.Require("labd binds its socket with root ownership");
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TestDir();
        using var notify = new NotifyListener(dir["notify"]);
        await using var labd = LabdProcess.Start(dir, environment: new Dictionary<string, string> { ["NOTIFY_SOCKET"] = notify.Address });
        await notify.WaitForAsync("READY=1", ct);

        labd.Signal(Signals.SIGTERM);

        await notify.WaitForAsync("STOPPING=1", ct);
        Assert.Equal(0, await labd.WaitForExitAsync(ct));
    }

    [Fact(Timeout = 60000)]
    public async Task With_WATCHDOG_USEC_set_labd_pings_the_watchdog_repeatedly()
    {
        Root.Require("labd binds its socket with root ownership");
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TestDir();
        using var notify = new NotifyListener(dir["notify"]);
        await using var labd = LabdProcess.Start(dir, environment: new Dictionary<string, string>
        {
            ["NOTIFY_SOCKET"] = notify.Address,
            ["WATCHDOG_USEC"] = "400000",
        });

        for (var i = 0; i < 3; i++)
        {
            await notify.WaitForAsync("WATCHDOG=1", ct);
        }
    }
}
