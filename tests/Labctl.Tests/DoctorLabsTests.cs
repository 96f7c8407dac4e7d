using Labctl.Doctor;
using Labctl.Doctor.Checks;
using Labctl.Tests.Support;
using Labd.Protocol;

namespace Labctl.Tests;

public sealed class DoctorLabsTests : IDisposable
{
    private const string Problem = "lab directory /home/u/b is mode 0700: sandboxes run under their own uids and read the lab as others do; " +
        "run `chmod o+rx /home/u/b` (its parents, such as a 0700 home, may stay as they are)";

    private readonly FakeHost _host = new FakeHost().Healthy();

    public void Dispose() => _host.Dispose();

    private static string Lab(string id, string? problem) =>
        $$"""{"id": "{{id}}", "path": "/home/u/{{id}}", "ownerUid": 1001, "policy": "default", "mainBranch": "main", "metrics": [], "createdAt": "2026-01-01T00:00:00Z"{{(problem is null ? "" : $", \"problem\": \"{problem.Replace("`", "\\u0060", StringComparison.Ordinal)}\"")}}}""";

    [Fact(Timeout = 30000)]
    public async Task A_lab_sandboxes_cannot_read_fails_naming_the_lab_and_the_chmod()
    {
        await using var daemon = new FakeDaemon(_host.SocketPath).Answer(Routes.Labs, CannedResponse.Json($"[{Lab("a", null)}, {Lab("b", Problem)}]"));

        var check = Assert.Single(await LabsCheck.RunAsync(_host.Probe(), TestContext.Current.CancellationToken));

        Assert.Equal(CheckStatus.Fail, check.Status);
        Assert.Equal("lab b: " + Problem, check.Detail);
        Assert.Equal("chmod o+rx /home/u/b", check.Fix);
    }

    [Fact(Timeout = 30000)]
    public async Task Readable_labs_are_ok_and_no_labs_or_no_labd_give_no_line()
    {
        var ct = TestContext.Current.CancellationToken;
        var none = await LabsCheck.RunAsync(_host.Probe(), ct);
        IReadOnlyList<DoctorCheck> ok;
        IReadOnlyList<DoctorCheck> empty;
        await using (var daemon = new FakeDaemon(_host.SocketPath).Answer(Routes.Labs, CannedResponse.Json($"[{Lab("a", null)}, {Lab("c", null)}]")))
        {
            ok = await LabsCheck.RunAsync(_host.Probe(), ct);
        }
        await using (var daemon = new FakeDaemon(_host.SocketPath).Answer(Routes.Labs, CannedResponse.Json("[]")))
        {
            empty = await LabsCheck.RunAsync(_host.Probe(), ct);
        }

        Assert.Empty(none);
        Assert.Equal([(CheckStatus.Ok, "sandboxes can read all 2 of your labs")], ok.Select(c => (c.Status, c.Detail)));
        Assert.Empty(empty);
    }
}
