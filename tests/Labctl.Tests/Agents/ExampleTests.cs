namespace Labctl.Tests.Agents;

/// <summary>The command lines labd's agent guide and labctl's help teach must exist, with those options.</summary>
public sealed class ExampleTests
{
    public static TheoryData<string> GuideExamples() => [.. CommandExamples.In(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "guide.md")))];

    [Fact]
    public void The_guide_teaches_the_calls_an_agent_needs()
    {
        var examples = string.Join('\n', GuideExamples().Select(e => e.Data));

        foreach (var needed in (string[])["labctl orient", "labctl exp run --idea", "labctl exp wait", "labctl msg wait", "labctl note add", "labctl guide"])
        {
            Assert.Contains(needed, examples, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(GuideExamples))]
    public void Every_labctl_line_in_the_guide_parses_against_the_real_command_tree(string example) =>
        Assert.Empty(CommandExamples.Problems(example));

    [Fact]
    public void Every_example_in_labctl_help_parses_against_the_real_command_tree()
    {
        var root = CommandTree.Build(new CliContext(new CliConsole(TextWriter.Null, TextWriter.Null, false, _ => null)));
        var examples = CommandExamples.InHelp(root).ToList();

        var broken = examples.Select(e => (e.Command, e.Example, Problems: CommandExamples.Problems(e.Example))).Where(e => e.Problems.Count > 0)
            .Select(e => $"{e.Command}: `{e.Example}`: {string.Join("; ", e.Problems)}").ToList();

        Assert.Contains(examples, e => e.Example.StartsWith("labctl agent loop -d", StringComparison.Ordinal));
        Assert.Empty(broken);
    }

    [Theory]
    [InlineData("labctl msg send --to all \"GPU 2 is \\\"flaky\\\"\"", new[] { "labctl", "msg", "send", "--to", "all", "GPU 2 is \"flaky\"" })]
    [InlineData("labctl agent start --agent-command 'echo hi; sleep 1'", new[] { "labctl", "agent", "start", "--agent-command", "echo hi; sleep 1" })]
    public void Example_lines_split_into_words_like_a_shell(string line, string[] words) =>
        Assert.Equal(words, CommandExamples.Words(line));
}
