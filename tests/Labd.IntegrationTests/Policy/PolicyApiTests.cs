using System.Net.Http.Json;
using System.Text.Json;
using Labd.IntegrationTests.Daemon;
using Labd.Policy;
using Labd.Protocol;
using Labd.SandboxPolicy;

namespace Labd.IntegrationTests.Policy;

public sealed class PolicyApiTests
{
    [Fact(Timeout = 60000)]
    public async Task Labctl_policy_ls_json_and_curl_on_the_socket_agree()
    {
        Root.Require("labd binds its socket with root ownership");
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TestDir();
        var policies = PolicyDir.Create(dir);
        await using var labd = LabdProcess.Start(dir, $"policyDir: {policies}\n");
        await labd.WaitUntilAnsweringAsync(ct);

        var (exit, stdout, stderr) = await Labctl.RunAsync(labd.SocketPath, ["policy", "ls", "-o", "json"], ct);
        var curl = await Command.CheckedAsync("curl", ["-sS", "--unix-socket", labd.SocketPath, "http://labd" + Routes.Policies], ct);

        Assert.True(exit == 0, stderr);
        Assert.Equal(curl.Trim(), stdout.Trim());
        var list = JsonSerializer.Deserialize(stdout, ProtocolJsonContext.Default.PolicyList)!;
        Assert.Equal(["default", "gpu-research", "offline-eval", "strict", "team"], list.Policies.Select(p => p.Name));
        Assert.Equal(["default", "team"], list.Policies.Single(p => p.Name == "team").Chain);
        Assert.Equal(2, list.Policies.Single(p => p.Name == "team").MaxGpus);
        Assert.False(list.Embedded);
    }

    [Fact(Timeout = 60000)]
    public async Task Without_a_policy_directory_labd_serves_the_four_embedded_shipped_policies()
    {
        Root.Require("labd binds its socket with root ownership");
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TestDir();
        await using var labd = LabdProcess.Start(dir, $"policyDir: {dir["no-such-dir"]}\n");
        await labd.WaitUntilAnsweringAsync(ct);
        using var client = labd.Client();

        var list = await client.GetFromJsonAsync(Routes.Policies, ProtocolJsonContext.Default.PolicyList, ct);
        var status = await client.GetFromJsonAsync(Routes.Status, ProtocolJsonContext.Default.StatusInfo, ct);
        var version = await client.GetFromJsonAsync(Routes.Version, ProtocolJsonContext.Default.VersionInfo, ct);

        Assert.Equal(["default", "gpu-research", "offline-eval", "strict"], list!.Policies.Select(p => p.Name));
        Assert.True(list.Embedded);
        Assert.True(status!.Policies!.Embedded);
        Assert.Equal(4, status.Policies.Count);
        Assert.Contains("policies", version!.Capabilities);
        Assert.Contains("using embedded default policies", labd.Output, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task An_invalid_policy_directory_stops_labd_at_start_with_exit_78_and_every_error()
    {
        Root.Require("labd binds its socket with root ownership");
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TestDir();
        var policies = PolicyDir.Create(dir);
        File.WriteAllText(Path.Combine(policies, "team.yaml"), "extends: default\ngpus: lots\nfiles:\n  /x: rwx\n");
        await using var labd = LabdProcess.Start(dir, $"policyDir: {policies}\n");

        var exit = await labd.WaitForExitAsync(ct);

        Assert.Equal(78, exit);
        Assert.Contains("team.yaml:2:7: error", labd.Output, StringComparison.Ordinal);
        Assert.Contains("team.yaml:4:7: error", labd.Output, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task Policy_explain_through_labd_gives_the_library_answer()
    {
        Root.Require("labd binds its socket with root ownership");
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TestDir();
        await using var labd = LabdProcess.Start(dir, $"policyDir: {dir["no-such-dir"]}\n");
        await labd.WaitUntilAnsweringAsync(ct);
        var library = PolicySet.Load(PolicySources.ReadEmbedded()).Set!;
        string[] paths = ["/etc/passwd", "/home", "/tmp/x", "/proc/self", "/usr/bin/python3"];
        string[] hosts = ["github.com", "pypi.org:443", "example.com:80", "169.254.169.254:80"];

        foreach (var name in new[] { "default", "strict", "gpu-research" })
        {
            var args = new List<string> { "policy", "explain", name, "-o", "json", "--home", "/home/alice" };
            args.AddRange(paths.SelectMany(p => new[] { "--path", p }));
            args.AddRange(hosts.SelectMany(h => new[] { "--host", h }));
            var (exit, stdout, stderr) = await Labctl.RunAsync(labd.SocketPath, args, ct);
            Assert.True(exit == 0, stderr);
            var answer = JsonSerializer.Deserialize(stdout, ProtocolJsonContext.Default.PolicyExplanation)!;
            var policy = library.Find(name)!;
            var variables = new PolicyVariables(null, null, "/home/alice");

            Assert.Equal(policy.Hash, answer.Hash);
            Assert.Equal(paths.Select(p => PolicyExplain.Path(policy, p, variables).Reason), answer.Paths.Select(p => p.Reason));
            Assert.Equal(hosts.Select(h => PolicyExplain.Host(policy, h).Reason), answer.Hosts.Select(h => h.Reason));
            Assert.Equal(hosts.Select(h => PolicyExplain.Host(policy, h).Allowed), answer.Hosts.Select(h => h.Allowed));
        }
    }

    [Fact(Timeout = 60000)]
    public async Task A_user_can_list_and_explain_but_not_reload()
    {
        var ct = TestContext.Current.CancellationToken;
        await TestAccounts.EnsureAsync(ct);
        using var dir = new TestDir();
        var policies = PolicyDir.Create(dir);
        await using var labd = LabdProcess.Start(dir, PolicyDir.Config(policies));
        await labd.WaitUntilAnsweringAsync(ct);

        var list = await Curl.AsUserAsync(TestAccounts.User, labd.SocketPath, "GET", Routes.Policies, null, ct);
        var explain = await Curl.AsUserAsync(TestAccounts.User, labd.SocketPath, "GET", Routes.PolicyOf("default") + "/explain?host=github.com", null, ct);
        var reload = await Curl.AsUserAsync(TestAccounts.User, labd.SocketPath, "POST", Routes.PoliciesReload, null, ct);
        var adminReload = await Curl.AsUserAsync(TestAccounts.Admin, labd.SocketPath, "POST", Routes.PoliciesReload, null, ct);

        Assert.Equal(200, list.Status);
        Assert.Equal(200, explain.Status);
        Assert.Equal(403, reload.Status);
        Assert.Equal("forbidden", reload.Problem().Code);
        Assert.Equal(200, adminReload.Status);
    }
}
