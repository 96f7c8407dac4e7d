using Labctl.Tests.Support;
using Labd.Protocol;

namespace Labctl.Tests.Tracker;

public sealed class LabCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 30000)]
    public async Task Lab_rm_without_a_terminal_and_without_yes_is_a_usage_error_that_names_yes_and_sends_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock"));

        var result = await InProcessLabctl.RunAsync(ct, "lab", "rm", "cifar", "--socket", daemon.SocketPath);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--yes", result.Error, StringComparison.Ordinal);
        Assert.Empty(daemon.Requests);
    }

    [Fact(Timeout = 30000)]
    public async Task Leaderboard_prints_rank_label_value_and_signed_deltas()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Body = """
            {"metric":"loss","direction":"min","baseline":1.5,"entries":[
             {"rank":1,"label":"exp/3.1","experiment":7,"idea":3,"value":1.25,"deltaParent":-0.05,"deltaBaseline":-0.25,"tags":["sweep"],"commit":"0123456789abcdef"}]}
            """;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock"))
            .Answer(Routes.LabLeaderboard("cifar"), new CannedResponse(200, "application/json", Body));

        var result = await InProcessLabctl.RunAsync(ct, "leaderboard", "--lab", "cifar", "--socket", daemon.SocketPath);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("lower is better", result.Out, StringComparison.Ordinal);
        var row = result.Out.Split('\n').Single(l => l.StartsWith('1'));
        Assert.Equal(["1", "exp/3.1", "3", "1.25", "-0.05", "-0.25", "sweep", "0123456789"], row.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }
}
