using Labctl.Tests.Support;
using Labd.Protocol;

namespace Labctl.Tests;

/// <summary>What a new user gets for a command line labctl refuses, or a failure it did not foresee: one line, a hint, the exit code; never help dumps, .NET type names or stack traces.</summary>
public sealed class UsageErrorTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory(Timeout = 30000)]
    [InlineData("'--repeat'", "labctl exp run --help", "exp", "run", "--idea", "1", "--lab", "cifar", "--repeat", "3", "--", "sh", "-c", "echo hi")]
    [InlineData("'--repeat'", "labctl exp run --help", "exp", "run", "--idea", "1", "--lab", "cifar", "--repeat", "3", "train.py")]
    [InlineData("'--gpu'", "labctl run --help", "run", "--gpu", "1", "--", "true")]
    [InlineData("'-la'", "labctl run --help", "run", "ls", "-la")]
    [InlineData("'agent.sh'", "labctl agent start --help", "agent", "start", "--agent-command", "sh", "agent.sh")]
    [InlineData("'--every'", "labctl agent loop --help", "agent", "loop", "-d", "15m", "--every", "2", "--agent-command", "sh agent.sh")]
    public async Task An_unknown_option_before_the_command_is_refused_by_name_and_nothing_is_sent(string named, string help, params string[] args)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock"));

        var result = await InProcessLabctl.RunAsync(ct, [.. args, "--socket", daemon.SocketPath]);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("labctl: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(named, lines[0], StringComparison.Ordinal);
        Assert.Equal($"Run '{help}' for usage.", lines[1]);
        Assert.Equal("", result.Out);
        Assert.Empty(daemon.Requests);
    }

    [Fact(Timeout = 30000)]
    public async Task Words_after_the_separator_that_look_like_options_are_the_commands_own()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.LabExperiments("cifar"), new CannedResponse(201, "application/json", Hostile.ExperimentDocument));

        var result = await InProcessLabctl.RunAsync(ct, "exp", "run", "--idea", "1", "--lab", "cifar", "--socket", daemon.SocketPath, "--", "python3", "train.py", "--repeat", "3", "-v");

        Assert.True(result.ExitCode == 0, result.ToString());
        var request = System.Text.Json.JsonSerializer.Deserialize(daemon.Bodies.Single(), ProtocolJsonContext.Default.ExperimentSubmitRequest)!;
        Assert.Equal(["python3", "train.py", "--repeat", "3", "-v"], request.Command);
    }

    [Theory(Timeout = 30000)]
    [InlineData("--idea: 'abc' is not a number; give a whole number like 3", "labctl exp run --help", "exp", "run", "--idea", "abc", "--", "true")]
    [InlineData("--limit: 'ten' is not a number; give a whole number like 3", "labctl leaderboard --help", "leaderboard", "--limit", "ten")]
    [InlineData("--budget-usd: 'lots' is not a number; give a number like 2.5", "labctl agent start --help", "agent", "start", "--budget-usd", "lots")]
    [InlineData("--output: 'yaml' is not one of: table, json", "labctl status --help", "status", "-o", "yaml")]
    [InlineData("unknown option '--no-such-option'", "labctl status --help", "status", "--no-such-option")]
    [InlineData("unknown command or argument 'no-such-command'", "labctl --help", "no-such-command")]
    [InlineData("'labctl exp run' needs SCRIPT|-- CMD ARGS...", "labctl exp run --help", "exp", "run", "--idea", "1")]
    [InlineData("Option '--idea' is required.", "labctl exp run --help", "exp", "run", "train.py")]
    [InlineData("'labctl exp' needs a command: run, ls, show, logs, metrics, cancel, wait", "labctl exp --help", "exp")]
    public async Task A_usage_error_is_one_line_in_words_and_a_hint_not_the_whole_help(string message, string help, params string[] args)
    {
        var result = await InProcessLabctl.RunAsync(TestContext.Current.CancellationToken, [.. args, "--socket", _dir.Combine("none.sock")]);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Equal($"labctl: {message}\nRun '{help}' for usage.\n", result.Error);
        Assert.Equal("", result.Out);
        Assert.DoesNotContain("System.", result.Error, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task Help_still_works_on_a_line_that_would_not_parse()
    {
        var result = await InProcessLabctl.RunAsync(TestContext.Current.CancellationToken, "exp", "run", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--allow-duplicate", result.Out, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task Plot_to_a_path_that_cannot_be_written_says_so_in_one_line()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock"))
            .Answer(Routes.LabProgress("cifar"), CannedResponse.Json("""{"metric":"score","direction":"max","points":[]}"""));
        var path = _dir.Combine("no-such-directory/progress.png");
        var environment = new Dictionary<string, string> { ["LABD_SOCKET"] = daemon.SocketPath };

        var inProcess = await InProcessLabctl.RunAsync(environment, false, ct, "plot", "--png", path, "--lab", "cifar");
        var binary = await LabctlBinary.RunAsync(environment, ct, "plot", "--png", path, "--lab", "cifar");

        foreach (var result in (CliResult[])[inProcess, binary])
        {
            Assert.Equal(ExitCodes.Failure, result.ExitCode);
            var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"labctl: cannot write {path}: ", line, StringComparison.Ordinal);
            Assert.EndsWith("e.g. --png ./progress.png", line, StringComparison.Ordinal);
        }
    }

    [Fact(Timeout = 30000)]
    public async Task A_failure_labctl_did_not_foresee_is_one_line_without_a_stack_trace_unless_LABCTL_DEBUG_asks()
    {
        var ct = TestContext.Current.CancellationToken;
        // labd answering a POST with something that is not JSON: no command has a message for that.
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.LabIdeas("cifar"), new CannedResponse(201, "application/json", "<html>proxy error</html>"));
        var environment = new Dictionary<string, string> { ["LABD_SOCKET"] = daemon.SocketPath };

        var plain = await LabctlBinary.RunAsync(environment, ct, "idea", "new", "t", "--lab", "cifar");
        var debug = await LabctlBinary.RunAsync(new Dictionary<string, string>(environment) { ["LABCTL_DEBUG"] = "1" }, ct, "idea", "new", "t", "--lab", "cifar");

        Assert.Equal(ExitCodes.Failure, plain.ExitCode);
        var line = Assert.Single(plain.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("labctl: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", plain.Error, StringComparison.Ordinal);
        // Negative control: the trace exists and LABCTL_DEBUG=1 shows it.
        Assert.Equal(ExitCodes.Failure, debug.ExitCode);
        Assert.Contains("   at ", debug.Error, StringComparison.Ordinal);
    }
}
