using System.Text.Json;
using Labd.Protocol;

namespace Labd.IntegrationTests.Experiments;

/// <summary>labd's SIGTERM with an <c>exp wait</c> long-poll open.</summary>
public sealed class ShutdownTests
{
    [Fact(Timeout = 180_000)]
    public async Task Sigterm_ends_an_open_exp_wait_with_a_shutting_down_problem_and_the_experiment_goes_on()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await ExperimentsBed.StartAsync(ct);
        var root = await bed.CreateLabAsync("lab-s", new Dictionary<string, string> { ["x"] = "" }, ct);
        var submitted = await bed.SubmitAsync("lab-s", new ExperimentSubmitRequest(1, ["sh", "-c", "echo started; exec sleep 600"], root), ct);
        using (var follower = bed.Labd.Client())
        {
            follower.Timeout = Timeout.InfiniteTimeSpan;
            using var output = new StreamReader(await follower.GetStreamAsync(Routes.ExperimentLogs(submitted.Id, follow: true), ct));
            Assert.Equal("started", await output.ReadLineAsync(ct));
        }
        using var waiter = bed.Labd.Client();
        waiter.Timeout = Timeout.InfiniteTimeSpan;
        var wait = waiter.GetAsync(Routes.ExperimentWait(submitted.Id), ct);
        // A round trip on another connection: the wait's request is in labd by then.
        await bed.GetAsync(Routes.Experiment(submitted.Id), ct);

        bed.Labd.Signal(15);
        using var response = await wait;
        var body = await response.Content.ReadAsStringAsync(ct);
        await bed.Labd.WaitForExitAsync(ct);

        Assert.True((int)response.StatusCode == 503, $"{(int)response.StatusCode} {body}");
        Assert.Equal("unavailable", JsonSerializer.Deserialize(body, ProtocolJsonContext.Default.Problem)!.Code);
        Assert.Contains("labd is shutting down", body, StringComparison.Ordinal);
        // The experiment outlived labd: after a restart it is still running, and can be cancelled.
        await bed.RestartAsync(ct);
        Assert.Equal(ExperimentRecord.Running, (await bed.GetAsync(Routes.Experiment(submitted.Id), ct)).Status);
        Assert.Equal(202, await bed.PostAsync(Routes.ExperimentCancel(submitted.Id), ct));
        Assert.Equal(ExperimentRecord.Cancelled, (await bed.WaitAsync(submitted.Id, ct)).Status);
        // Logged before labd answered: its run was still going.
        Assert.Contains("Re-adopted 1 runs (1 still going)", bed.Labd.Output, StringComparison.Ordinal);
    }
}
