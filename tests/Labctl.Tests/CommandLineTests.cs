using Labctl.Tests.Support;

namespace Labctl.Tests;

public sealed class CommandLineTests
{
    [Fact(Timeout = 30000)]
    public async Task Help_documents_every_exit_code_and_the_environment()
    {
        var result = await InProcessLabctl.RunAsync(TestContext.Current.CancellationToken, "--help");

        Assert.Equal(0, result.ExitCode);
        foreach (var (code, meaning) in ExitCodes.Describe)
        {
            Assert.Contains($"  {code,-3} {meaning}\n", result.Out, StringComparison.Ordinal);
        }
        Assert.Contains("LABD_SOCKET", result.Out, StringComparison.Ordinal);
        Assert.Contains("NO_COLOR", result.Out, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task Help_points_to_the_installed_reference()
    {
        var result = await InProcessLabctl.RunAsync(TestContext.Current.CancellationToken, "--help");

        var reference = Assert.Single(result.Out.Split('\n'), l => l.StartsWith("Reference: ", StringComparison.Ordinal));
        Assert.Contains(HelpEpilogue.DocDirectories, d => reference.StartsWith($"Reference: {d}/cli.md ", StringComparison.Ordinal));
        Assert.DoesNotContain("docs/cli.md", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Exit_codes_are_distinct_and_stable()
    {
        Assert.Equal(
            [(0, "Ok"), (1, "Failure"), (2, "Usage"), (3, "DaemonUnreachable"), (4, "PermissionDenied"), (5, "NotFound"), (6, "Conflict"), (7, "Invalid"), (8, "Unavailable"), (124, "TimedOut")],
            [(ExitCodes.Ok, "Ok"), (ExitCodes.Failure, "Failure"), (ExitCodes.Usage, "Usage"), (ExitCodes.DaemonUnreachable, "DaemonUnreachable"),
             (ExitCodes.PermissionDenied, "PermissionDenied"), (ExitCodes.NotFound, "NotFound"), (ExitCodes.Conflict, "Conflict"),
             (ExitCodes.Invalid, "Invalid"), (ExitCodes.Unavailable, "Unavailable"), (ExitCodes.TimedOut, "TimedOut")]);
        Assert.Equal(ExitCodes.Describe.Count, ExitCodes.Describe.Select(d => d.Code).Distinct().Count());
    }

    [Theory(Timeout = 30000)]
    [InlineData("no-such-command")]
    [InlineData("status", "--no-such-option")]
    [InlineData("status", "-o", "yaml")]
    [InlineData("completion", "powershell")]
    public async Task Usage_errors_exit_2(params string[] args)
    {
        var result = await InProcessLabctl.RunAsync(TestContext.Current.CancellationToken, args);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.NotEqual("", result.Error);
    }

    [Theory(Timeout = 30000)]
    [InlineData("bash", "complete -o default -F _labctl_complete labctl")]
    [InlineData("zsh", "compdef _labctl labctl")]
    [InlineData("fish", "complete -c labctl")]
    public async Task Completion_prints_a_script_that_asks_labctl_for_suggestions(string shell, string registration)
    {
        var result = await InProcessLabctl.RunAsync(TestContext.Current.CancellationToken, "completion", shell);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("[suggest:", result.Out, StringComparison.Ordinal);
        Assert.Contains(registration, result.Out, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task The_suggest_directive_completes_command_names()
    {
        var result = await InProcessLabctl.RunAsync(TestContext.Current.CancellationToken, "[suggest:9]", "labctl st");

        Assert.Equal("status\n", result.Out);
    }
}
