using Labd.Runs;

namespace Labd.IntegrationTests.Sandbox;

[Collection(SandboxTestGroup.Name)]
public sealed class ChainTests(SandboxFixture fx)
{
    [Fact(Timeout = 120_000)]
    public async Task Sandboxed_true_runs_end_to_end_and_records_its_exit()
    {
        var result = await fx.RunAsync("true", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(RunOutcome.Exited, result.Exit.Outcome);
        Assert.Equal(0, result.Exit.ExitCode);
    }

    [Fact(Timeout = 120_000)]
    public async Task Exit_code_and_output_reach_the_log()
    {
        var result = await fx.RunAsync("echo hello-from-sandbox; echo to-stderr >&2; exit 7", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(7, result.Exit.ExitCode);
        Assert.Contains("hello-from-sandbox", result.Log, StringComparison.Ordinal);
        Assert.Contains("to-stderr", result.Log, StringComparison.Ordinal);
    }
}
