using Labd.Agents;
using Labd.Runs;
using Labd.SandboxPolicy.Config;

namespace Labd.Tests.Agents;

/// <summary>How a turn's end reads to a person (issue 12: failed turns were invisible).</summary>
public sealed class TurnOutcomeTests : IDisposable
{
    private readonly string _log = Path.GetTempFileName();

    public void Dispose() => File.Delete(_log);

    [Fact]
    public void A_claude_result_error_fails_the_turn_with_its_text_even_when_claude_exits_zero()
    {
        File.WriteAllText(_log, """
            {"type":"system","subtype":"init","session_id":"s"}
            {"type":"result","subtype":"success","is_error":true,"result":"API Error: Invalid API key · Please run /login","total_cost_usd":0}

            """);

        Assert.Equal(("failed", "API Error: Invalid API key · Please run /login"), Judge(AgentKindConfig.ClaudeStreamJson, 0));
        Assert.Equal(("failed", "API Error: Invalid API key · Please run /login"), Judge(AgentKindConfig.ClaudeStreamJson, 1));
    }

    [Fact]
    public void A_claude_result_without_error_succeeds_and_an_error_subtype_without_text_names_the_subtype()
    {
        File.WriteAllText(_log, """{"type":"result","subtype":"success","is_error":false,"result":"done"}""" + "\n");
        var ok = Judge(AgentKindConfig.ClaudeStreamJson, 0);
        File.WriteAllText(_log, """{"type":"result","subtype":"error_max_turns","is_error":true}""" + "\n");
        var capped = Judge(AgentKindConfig.ClaudeStreamJson, 0);

        Assert.Equal(("succeeded", (string?)null), ok);
        Assert.Equal(("failed", "error_max_turns"), capped);
    }

    [Fact]
    public void Another_kind_fails_with_its_exit_status_and_last_line_without_rootlesskits_report()
    {
        File.WriteAllText(_log, "working\nboom: no key\u001b[31m\n\n[rootlesskit:child ] error: command [/bin/sh -c echo hi\necho there] exited: exit status 3\n[rootlesskit:parent] error: child exited: exit status 3\n");

        Assert.Equal(("failed", "exited with 3: boom: no key [31m"), Judge(AgentKindConfig.Text, 3));
        // The same log with exit 0 is a success: the text is not parsed for errors.
        Assert.Equal(("succeeded", (string?)null), Judge(AgentKindConfig.Text, 0));
    }

    [Fact]
    public void A_stopped_or_timed_out_turn_says_so()
    {
        File.WriteAllText(_log, "");

        Assert.Equal("stopped", TurnOutcome.Judge(AgentKindConfig.Text, Exit(RunOutcome.Cancelled, null), _log).Status);
        Assert.Equal(("failed", "exited with 2"), Judge(AgentKindConfig.Text, 2));
        Assert.StartsWith("timed out", TurnOutcome.Judge(AgentKindConfig.Text, Exit(RunOutcome.TimedOut, null), _log).Reason, StringComparison.Ordinal);
    }

    private (string, string?) Judge(string output, int code) => TurnOutcome.Judge(output, Exit(RunOutcome.Exited, code), _log);

    private static RunExit Exit(RunOutcome outcome, int? code) => new(outcome, code, null, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, false);
}
