using System.Text.Json;
using Labctl.Tests.Support;
using Labd.Protocol;

namespace Labctl.Tests;

/// <summary><c>exp run</c>'s command as labd receives it, and what <c>exp cancel</c> says.</summary>
public sealed class ExpCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory(Timeout = 30000)]
    [InlineData("true", "--", "true")]
    [InlineData("python3 train.py", "--", "python3", "train.py")]
    [InlineData("./train.sh", "--", "./train.sh")]
    [InlineData("train.py", "--", "train.py")]
    [InlineData("python3 train.py", "train.py")]
    [InlineData("sh run.sh", "run.sh")]
    [InlineData("./train", "train")]
    public async Task After_the_separator_the_words_are_the_command_and_a_lone_script_without_it_gets_its_interpreter(string expected, params string[] words)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.LabExperiments("cifar"), new CannedResponse(201, "application/json", Hostile.ExperimentDocument));

        var result = await InProcessLabctl.RunAsync(ct, ["exp", "run", "--idea", "1", "--lab", "cifar", "--socket", daemon.SocketPath, .. words]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var request = JsonSerializer.Deserialize(daemon.Bodies.Single(), ProtocolJsonContext.Default.ExperimentSubmitRequest)!;
        Assert.Equal(expected, string.Join(' ', request.Command));
    }

    [Theory(Timeout = 30000)]
    [InlineData(ExperimentRecord.Cancelled, "cancelled exp/3.1\n")]
    [InlineData(ExperimentRecord.Running, "cancelled exp/3.1 (it was running: SIGTERM, then SIGKILL after a grace; `labctl exp wait exp/3.1` shows the end)\n")]
    public async Task Cancel_says_what_it_cancelled(string status, string expected)
    {
        var ct = TestContext.Current.CancellationToken;
        var record = Hostile.Json(Hostile.Experiment with { Status = status, Reason = null }, ProtocolJsonContext.Default.ExperimentRecord);
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.ExperimentCancel(12), new CannedResponse(202, "application/json", record));

        var text = await InProcessLabctl.RunAsync(ct, "exp", "cancel", "12", "--socket", daemon.SocketPath);
        var json = await InProcessLabctl.RunAsync(ct, "exp", "cancel", "12", "-o", "json", "--socket", daemon.SocketPath);

        Assert.Equal((0, expected, ""), (text.ExitCode, text.Out, text.Error));
        Assert.Equal((0, record + "\n"), (json.ExitCode, json.Out));
    }

    [Fact(Timeout = 30000)]
    public async Task Cancel_of_an_experiment_that_already_ended_says_how_it_ended()
    {
        var ct = TestContext.Current.CancellationToken;
        var record = Hostile.Json(Hostile.Experiment with { Status = ExperimentRecord.Succeeded, Reason = null }, ProtocolJsonContext.Default.ExperimentRecord);
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock"))
            .Answer(Routes.ExperimentCancel(12), CannedResponse.Problem(409, "conflict", "exp/3.1 has already ended (succeeded); nothing to cancel"))
            .Answer(Routes.Experiment(12), CannedResponse.Json(record));

        var text = await InProcessLabctl.RunAsync(ct, "exp", "cancel", "12", "--socket", daemon.SocketPath);
        var json = await InProcessLabctl.RunAsync(ct, "exp", "cancel", "12", "-o", "json", "--socket", daemon.SocketPath);

        Assert.Equal((0, "exp/3.1 already ended (succeeded)\n", ""), (text.ExitCode, text.Out, text.Error));
        Assert.Equal((0, record + "\n"), (json.ExitCode, json.Out));
    }

    [Fact(Timeout = 30000)]
    public async Task A_conflict_on_an_experiment_still_going_stays_an_error()
    {
        var ct = TestContext.Current.CancellationToken;
        var record = Hostile.Json(Hostile.Experiment with { Status = ExperimentRecord.Running, Reason = null }, ProtocolJsonContext.Default.ExperimentRecord);
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock"))
            .Answer(Routes.ExperimentCancel(12), CannedResponse.Problem(409, "conflict", "busy"))
            .Answer(Routes.Experiment(12), CannedResponse.Json(record));

        var result = await InProcessLabctl.RunAsync(ct, "exp", "cancel", "12", "--socket", daemon.SocketPath);

        Assert.Equal((ExitCodes.Conflict, "", "labctl: busy (conflict)\n"), (result.ExitCode, result.Out, result.Error));
    }
}
