using System.Net.Http.Json;
using Labd.IntegrationTests.Daemon;
using Labd.Interop;
using Labd.Protocol;

namespace Labd.IntegrationTests.Policy;

public sealed class PolicyReloadTests
{
    [Fact(Timeout = 90000)]
    public async Task An_invalid_set_is_refused_by_labctl_and_SIGHUP_and_the_previous_set_stays_until_it_is_fixed()
    {
        Root.Require("labd binds its socket with root ownership");
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TestDir();
        var policies = PolicyDir.Create(dir);
        using var notify = new NotifyListener(dir["notify"]);
        await using var labd = LabdProcess.Start(dir, $"policyDir: {policies}\n", new Dictionary<string, string> { ["NOTIFY_SOCKET"] = notify.Address });
        await notify.WaitForAsync("READY=1", ct);
        using var client = labd.Client();
        var before = await HashesAsync(client, ct);
        var events = await EventCountAsync(client, ct);
        File.WriteAllText(Path.Combine(policies, "team.yaml"), "extends: default\ngpus: lots\nfiles:\n  /x: rwx\n");

        var (exit, _, stderr) = await Labctl.RunAsync(labd.SocketPath, ["policy", "reload"], ct);

        Assert.Equal(7, exit);
        Assert.Contains("team.yaml:2:7: error", stderr, StringComparison.Ordinal);
        Assert.Contains("team.yaml:4:7: error", stderr, StringComparison.Ordinal);
        Assert.Contains("policy-invalid", stderr, StringComparison.Ordinal);
        Assert.Equal(before, await HashesAsync(client, ct));

        labd.Signal(Signals.SIGHUP);
        await notify.WaitForAsync("RELOADING=1", ct);
        var ready = await notify.WaitForAsync("READY=1", ct);

        Assert.Contains("Reload failed", ready, StringComparison.Ordinal);
        Assert.Equal(before, await HashesAsync(client, ct));
        var status = await client.GetFromJsonAsync(Routes.Status, ProtocolJsonContext.Default.StatusInfo, ct);
        Assert.StartsWith("rejected", status!.Policies!.LastReloadResult, StringComparison.Ordinal);
        Assert.Equal(events, status.Counts["events"]);

        File.WriteAllText(Path.Combine(policies, "team.yaml"), "extends: default\ngpus: 3\n");
        (exit, var stdout, stderr) = await Labctl.RunAsync(labd.SocketPath, ["policy", "reload"], ct);

        Assert.True(exit == 0, stderr);
        Assert.Contains("changed  team", stdout, StringComparison.Ordinal);
        var after = await HashesAsync(client, ct);
        Assert.NotEqual(before["team"], after["team"]);
        Assert.Equal(before.Where(p => p.Key != "team"), after.Where(p => p.Key != "team"));
        Assert.Equal(events + 1, await EventCountAsync(client, ct));
    }

    /// <summary>Audit events so far: a valid reload appends one <c>policy.reload</c>, a refused one none.</summary>
    private static async Task<long> EventCountAsync(HttpClient client, CancellationToken cancellationToken) =>
        (await client.GetFromJsonAsync(Routes.Status, ProtocolJsonContext.Default.StatusInfo, cancellationToken))!.Counts["events"];

    private static async Task<Dictionary<string, string>> HashesAsync(HttpClient client, CancellationToken cancellationToken)
    {
        var list = await client.GetFromJsonAsync(Routes.Policies, ProtocolJsonContext.Default.PolicyList, cancellationToken);
        return list!.Policies.ToDictionary(p => p.Name, p => p.Hash);
    }
}
