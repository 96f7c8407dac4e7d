using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Labd.Protocol;

namespace Labd.IntegrationTests.Daemon;

public sealed class ApiTests
{
    private static string Config(TestDir dir) => $"""
        groups:
          users: {TestAccounts.UsersGroup}
          admins: {TestAccounts.AdminsGroup}
        gpus:
          deviceDir: {dir["dev"]}
        """;

    [Fact(Timeout = 60000)]
    public async Task Root_is_an_admin_and_status_reports_paths_counts_gpus_and_readiness()
    {
        Root.Require("labd binds its socket with root ownership");
        using var dir = new TestDir();
        Directory.CreateDirectory(dir["dev"]);
        File.WriteAllText(dir["dev/nvidia0"], "");
        File.WriteAllText(dir["dev/nvidia1"], "");
        File.WriteAllText(dir["dev/nvidiactl"], "");
        await using var labd = LabdProcess.Start(dir, Config(dir));
        await labd.WaitUntilAnsweringAsync(TestContext.Current.CancellationToken);
        using var client = labd.Client();

        var status = await client.GetFromJsonAsync(Routes.Status, ProtocolJsonContext.Default.StatusInfo, TestContext.Current.CancellationToken);

        Assert.NotNull(status);
        Assert.Equal(new CallerInfo("admin", 0, "root"), status.Caller);
        Assert.Equal(labd.StateDir, status.StateDir);
        Assert.Equal(labd.SocketPath, status.Socket);
        Assert.Equal(0, status.Counts["events"]);
        Assert.Equal([(0, dir["dev/nvidia0"]), (1, dir["dev/nvidia1"])], status.Gpus.Select(g => (g.Index, g.Device)));
        Assert.True(status.UptimeSeconds >= 0);
        Assert.NotNull(status.Sandbox);
    }

    [Fact(Timeout = 60000)]
    public async Task Version_reports_the_api_version_and_capabilities()
    {
        Root.Require("labd binds its socket with root ownership");
        using var dir = new TestDir();
        await using var labd = LabdProcess.Start(dir);
        await labd.WaitUntilAnsweringAsync(TestContext.Current.CancellationToken);
        using var client = labd.Client();

        var version = await client.GetFromJsonAsync(Routes.Version, ProtocolJsonContext.Default.VersionInfo, TestContext.Current.CancellationToken);

        Assert.Equal(VersionInfo.CurrentApiVersion, version!.ApiVersion);
        Assert.Contains("status", version.Capabilities);
        Assert.False(string.IsNullOrEmpty(version.Version));
    }

    [Fact(Timeout = 60000)]
    public async Task The_socket_is_0660_and_belongs_to_the_users_group()
    {
        await TestAccounts.EnsureAsync(TestContext.Current.CancellationToken);
        using var dir = new TestDir();
        await using var labd = LabdProcess.Start(dir, Config(dir));
        await labd.WaitUntilAnsweringAsync(TestContext.Current.CancellationToken);

        var stat = await Command.CheckedAsync("stat", ["-c", "%a %U %G %F", labd.SocketPath], TestContext.Current.CancellationToken);

        Assert.Equal($"660 root {TestAccounts.UsersGroup} socket", stat.Trim());
    }

    [Fact(Timeout = 60000)]
    public async Task A_member_of_the_users_group_is_a_user_and_an_admins_member_is_an_admin()
    {
        var ct = TestContext.Current.CancellationToken;
        await TestAccounts.EnsureAsync(ct);
        using var dir = new TestDir();
        await using var labd = LabdProcess.Start(dir, Config(dir));
        await labd.WaitUntilAnsweringAsync(ct);

        var asUser = await Curl.AsUserAsync(TestAccounts.User, labd.SocketPath, "GET", Routes.Status, null, ct);
        var asAdmin = await Curl.AsUserAsync(TestAccounts.Admin, labd.SocketPath, "GET", Routes.Status, null, ct);

        Assert.Equal(200, asUser.Status);
        var (userUid, _) = await TestAccounts.IdsAsync(TestAccounts.User, ct);
        Assert.Equal(new CallerInfo("user", userUid, TestAccounts.User), asUser.StatusInfo().Caller);
        Assert.Equal(200, asAdmin.Status);
        Assert.Equal("admin", asAdmin.StatusInfo().Caller.Kind);
    }

    [Fact(Timeout = 60000)]
    public async Task A_user_outside_the_group_cannot_even_connect_to_the_socket()
    {
        var ct = TestContext.Current.CancellationToken;
        await TestAccounts.EnsureAsync(ct);
        using var dir = new TestDir();
        await using var labd = LabdProcess.Start(dir, Config(dir));
        await labd.WaitUntilAnsweringAsync(ct);

        var asOutsider = await Curl.AsUserAsync(TestAccounts.Outsider, labd.SocketPath, "GET", Routes.Version, null, ct);

        // curl exit 7: could not connect (EACCES on the 0660 socket).
        Assert.Equal(7, asOutsider.ExitCode);
        Assert.Equal(0, asOutsider.Status);
    }

    [Fact(Timeout = 60000)]
    public async Task A_user_outside_the_group_who_reaches_the_socket_is_told_the_usermod_command()
    {
        var ct = TestContext.Current.CancellationToken;
        await TestAccounts.EnsureAsync(ct);
        using var dir = new TestDir();
        await using var labd = LabdProcess.Start(dir, Config(dir));
        await labd.WaitUntilAnsweringAsync(ct);
        // As if an admin had loosened the socket unit (SocketMode=0666): labd still checks.
        File.SetUnixFileMode(labd.SocketPath, (UnixFileMode)0b110_110_110);

        var asOutsider = await Curl.AsUserAsync(TestAccounts.Outsider, labd.SocketPath, "GET", Routes.Status, null, ct);

        Assert.Equal(403, asOutsider.Status);
        var problem = asOutsider.Problem();
        Assert.Equal("not-a-member", problem.Code);
        var (uid, _) = await TestAccounts.IdsAsync(TestAccounts.Outsider, ct);
        Assert.Equal($"uid {uid} ({TestAccounts.Outsider}) is not in group '{TestAccounts.UsersGroup}'; ask an admin to run `usermod -aG {TestAccounts.UsersGroup} {TestAccounts.Outsider}`, then log in again", problem.Detail);
    }

    [Fact(Timeout = 60000)]
    public async Task Only_admins_may_append_to_the_audit_log()
    {
        var ct = TestContext.Current.CancellationToken;
        await TestAccounts.EnsureAsync(ct);
        using var dir = new TestDir();
        await using var labd = LabdProcess.Start(dir, Config(dir));
        await labd.WaitUntilAnsweringAsync(ct);
        const string body = """{"kind":"note","subject":"gpu3","data":{"reason":"fan noise"}}""";

        var asUser = await Curl.AsUserAsync(TestAccounts.User, labd.SocketPath, "POST", Routes.Events, body, ct);
        var asAdmin = await Curl.AsUserAsync(TestAccounts.Admin, labd.SocketPath, "POST", Routes.Events, body, ct);

        Assert.Equal(403, asUser.Status);
        Assert.Equal("forbidden", asUser.Problem().Code);
        Assert.Equal(201, asAdmin.Status);
        var appended = JsonSerializer.Deserialize(asAdmin.Body, ProtocolJsonContext.Default.EventAppended)!;
        Assert.True(appended.Id > 0);
        using var client = labd.Client();
        var status = await client.GetFromJsonAsync(Routes.Status, ProtocolJsonContext.Default.StatusInfo, ct);
        Assert.Equal(1, status!.Counts["events"]);
    }

    [Theory(Timeout = 60000)]
    [InlineData("GET", "/v1/no-such-thing", 404, "not-found")]
    [InlineData("GET", "/", 404, "not-found")]
    [InlineData("DELETE", "/v1/version", 405, "method-not-allowed")]
    public async Task Errors_are_problem_documents_with_a_stable_code(string method, string path, int status, string code)
    {
        Root.Require("labd binds its socket with root ownership");
        using var dir = new TestDir();
        await using var labd = LabdProcess.Start(dir);
        await labd.WaitUntilAnsweringAsync(TestContext.Current.CancellationToken);
        using var client = labd.Client();

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), TestContext.Current.CancellationToken);

        Assert.Equal((HttpStatusCode)status, response.StatusCode);
        Assert.Equal(Problem.MediaType, response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync(ProtocolJsonContext.Default.Problem, TestContext.Current.CancellationToken);
        Assert.Equal(code, problem!.Code);
        Assert.False(string.IsNullOrEmpty(problem.Detail));
    }

    [Fact(Timeout = 60000)]
    public async Task A_malformed_body_is_a_bad_request_problem_that_changes_nothing()
    {
        Root.Require("labd binds its socket with root ownership");
        using var dir = new TestDir();
        await using var labd = LabdProcess.Start(dir);
        await labd.WaitUntilAnsweringAsync(TestContext.Current.CancellationToken);
        using var client = labd.Client();

        using var response = await client.PostAsync(Routes.Events, new StringContent("{\"kind\": "), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync(ProtocolJsonContext.Default.Problem, TestContext.Current.CancellationToken);
        Assert.Equal("bad-request", problem!.Code);
        var status = await client.GetFromJsonAsync(Routes.Status, ProtocolJsonContext.Default.StatusInfo, TestContext.Current.CancellationToken);
        Assert.Equal(0, status!.Counts["events"]);
    }
}
