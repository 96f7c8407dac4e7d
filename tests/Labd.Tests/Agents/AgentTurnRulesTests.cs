using Labd.Agents;
using Labd.Protocol;

namespace Labd.Tests.Agents;

/// <summary>When a session is done before its next turn, and how a kind's argv gets the turn's prompt.</summary>
public sealed class AgentTurnRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static AgentRow Agent(int turns, int? interval = 60, int? maxTurns = null, double? budget = null, double cost = 0, DateTimeOffset? until = null) => new(
        1, "lab", "default", "custom", ["sh"], "text", AgentRecord.Running, null, interval, maxTurns, budget, until, turns, cost, 0, 0,
        "agent/1", "/w", "default", 1000, "user:1000", Now, null, null, 0, AgentRecord.DefaultMaxFailures);

    [Fact]
    public void A_session_without_interval_ends_after_one_turn()
    {
        Assert.Null(AgentRunner.Spent(Agent(0, interval: null), Now));
        Assert.Equal("one turn done", AgentRunner.Spent(Agent(1, interval: null), Now));
    }

    [Fact]
    public void Caps_end_the_loop_with_a_reason_that_names_them()
    {
        Assert.Null(AgentRunner.Spent(Agent(2, maxTurns: 3), Now));
        Assert.Equal("max turns (3) reached", AgentRunner.Spent(Agent(3, maxTurns: 3), Now));
        Assert.Null(AgentRunner.Spent(Agent(1, budget: 1.5, cost: 1.49), Now));
        Assert.StartsWith("budget $1.5 spent", AgentRunner.Spent(Agent(1, budget: 1.5, cost: 1.5), Now), StringComparison.Ordinal);
        Assert.Null(AgentRunner.Spent(Agent(1, until: Now.AddSeconds(1)), Now));
        Assert.Equal("until reached", AgentRunner.Spent(Agent(1, until: Now), Now));
    }

    [Fact]
    public void Placeholders_are_replaced_inside_each_argument_without_a_shell()
    {
        var argv = AgentPrompt.Substitute(["tool", "-p", "{prompt}", "--file={promptFile}", "{mcpConfig}", "$(id)"], "do it; rm -rf /");
        Assert.Equal(["tool", "-p", "do it; rm -rf /", "--file=/run/lab/prompt.md", "/run/lab/mcp.json", "$(id)"], argv);
    }

    [Fact]
    public void The_prompt_goes_to_stdin_only_when_the_argv_does_not_carry_it()
    {
        Assert.Equal("/run/lab/prompt.md", AgentPrompt.StandardInput(["claude", "-p", "--mcp-config", "{mcpConfig}"]));
        Assert.Equal("/run/lab/prompt.md", AgentPrompt.StandardInput(["/opt/bot/run", "--prompt-file", "{promptFile}"]));
        Assert.Null(AgentPrompt.StandardInput(["codex", "exec", "--prompt={prompt}"]));
    }

    [Fact]
    public void A_huge_prompt_is_capped_without_splitting_a_character()
    {
        var prompt = new string('é', AgentPrompt.MaxArgumentBytes);
        var argument = AgentPrompt.Substitute(["{prompt}"], prompt)[0];
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(argument) <= AgentPrompt.MaxArgumentBytes);
        Assert.Equal(AgentPrompt.MaxArgumentBytes / 2, argument.Length);
        Assert.DoesNotContain('\uFFFD', argument);
    }
}
