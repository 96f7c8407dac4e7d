using Labctl.Tests.Support;
using Labd.Protocol;

namespace Labctl.Tests;

/// <summary><c>gpu ls</c>: a lease to an experiment and a lease to a <c>labctl run</c>, as labd reports them.</summary>
public sealed class GpuCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 30000)]
    public async Task A_runs_lease_shows_its_run_and_owner_and_an_experiments_its_experiment_and_lab()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Gpus = """
            [{"index":0,"state":"leased","experimentId":12,"experiment":"exp/3.1","lab":"cifar","owner":"alice","run":"a1b2c3d4e5f6"},
             {"index":1,"state":"leased","experimentId":null,"experiment":null,"lab":null,"owner":"bob","run":"0f9e8d7c6b5a"},
             {"index":2,"state":"leased","experimentId":null,"experiment":null,"lab":null,"owner":null},
             {"index":3,"state":"free","experimentId":null,"experiment":null,"lab":null,"owner":null}]
            """;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.Gpus, CannedResponse.Json(Gpus));

        var result = await InProcessLabctl.RunAsync(ct, "gpu", "ls", "--socket", daemon.SocketPath);

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["GPU", "STATE", "EXPERIMENT", "LAB", "RUN", "OWNER"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["0", "leased", "exp/3.1", "cifar", "a1b2c3d4e5f6", "alice"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["1", "leased", "0f9e8d7c6b5a", "bob"], lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["2", "leased"], lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["3", "free"], lines[4].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }
}
