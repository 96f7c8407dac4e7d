using System.Text.RegularExpressions;
using Labctl;
using Labctl.Tests.Agents;
using Labd.IntegrationTests.TestBed;

namespace Labd.IntegrationTests.Acceptance;

/// <summary>
/// Every example that <c>labctl --help</c> teaches is run, not only parsed: as a user made by
/// adduser, from inside a lab of theirs that has what the examples name (lab <c>cifar</c>, ideas 1 to
/// 3, <c>agent.sh</c>, <c>my-agent.sh</c>, a reviewer prompt), against labd with its packaged
/// configuration. An example that waits or follows gets a few seconds and then Ctrl-C, as a person
/// would press it.
/// </summary>
public sealed partial class HelpExampleTests
{
    /// <summary>The help's placeholders, made concrete the way a reader would.</summary>
    internal static string Concrete(string example) =>
        Placeholder().Replace(example.Replace("NAME max|min", "loss min", StringComparison.Ordinal), "1");

    [GeneratedRegex(@"\bN\b")]
    private static partial Regex Placeholder();

    /// <summary>Outcomes that depend on the world, not on the example: the object is not there
    /// (5), or not in a state that allows it (6, e.g. stopping an agent twice).</summary>
    private static readonly int[] WorldOutcomes = [5, 6];

    [Fact(Timeout = 900_000)]
    public async Task Every_example_in_labctl_help_runs_for_a_new_user()
    {
        var ct = TestContext.Current.CancellationToken;
        var root = CommandTree.Build(new CliContext(new CliConsole(TextWriter.Null, TextWriter.Null, false, _ => null)));
        var examples = CommandExamples.InHelp(root).Select(e => Concrete(e.Example)).Distinct(StringComparer.Ordinal).ToList();
        Assert.Contains(examples, e => e.StartsWith("labctl lab init", StringComparison.Ordinal));
        // Registering comes first and removing the lab last, as a user's day goes.
        examples = [.. examples.OrderBy(e => e.StartsWith("labctl lab init", StringComparison.Ordinal) ? 0 : e.StartsWith("labctl lab rm", StringComparison.Ordinal) ? 2 : 1)];
        await using var bed = await AcceptanceBed.StartAsync(ct);
        await using var user = await NewUser.AddAsync(ct);
        using var secrets = AgentSecrets.Ensure();
        var repo = await bed.MakeRepositoryAsync(user, "cifar", new Dictionary<string, string>
        {
            ["train.py"] = "print('{\"metrics\": {\"accuracy\": 0.5, \"loss\": 1.5}}')\n",
            ["PROMPT.md"] = "Raise accuracy.\n",
            ["PROMPT.reviewer.md"] = "Review the newest experiments.\n",
            ["PROMPT.explorer.md"] = "Try something new.\n",
            ["agent.sh"] = "labctl orient >/dev/null\n",
            ["my-agent.sh"] = "echo my agent\n",
        }, ct);
        // What the examples name once the lab exists: ideas 1-4 active and 5 suggested, an
        // experiment tagged base, and agent 1 (so the examples' agents are 2 to 7).
        const string World = """
            for t in one two three four; do labctl idea new $t >/dev/null; done
            labctl idea new five --suggest >/dev/null
            labctl exp run --idea 1 --tag base -- true >/dev/null
            labctl agent start --agent-command true >/dev/null
            """;

        var failures = new List<string>();
        var world = new List<string>();
        var prepared = false;
        try
        {
            foreach (var example in examples)
            {
                if (!prepared && !example.StartsWith("labctl lab init", StringComparison.Ordinal))
                {
                    await bed.OkAsync(user, "set -e\n" + World, ct, repo);
                    prepared = true;
                }
                var (exit, stdout, stderr) = await user.ShAsync(example, bed.Environment, ct, repo, interruptAfter: TimeSpan.FromSeconds(8));
                var line = $"$ {example}\n{stdout}{stderr}[exit {exit}]";
                if (WorldOutcomes.Contains(exit))
                {
                    world.Add(line);
                }
                else if (!(exit is 0 or 130) || stderr.Contains("   at ", StringComparison.Ordinal))
                {
                    failures.Add(line);
                }
            }
        }
        finally
        {
            await user.ShAsync("for a in $(labctl agent ls --lab cifar -o json | grep -o '\"id\": *[0-9]*' | grep -o '[0-9]*$'); do labctl agent stop $a --grace 1s; done", bed.Environment, CancellationToken.None, repo);
        }
        TestContext.Current.SendDiagnosticMessage($"{examples.Count} help examples; {world.Count} met the world (not found or conflict):\n{string.Join("\n", world)}");
        Assert.True(failures.Count == 0, $"{failures.Count} of {examples.Count} help examples failed:\n{string.Join("\n", failures)}\n--- labd ---\n{AcceptanceBed.Tail(bed.Labd.Output)}");
        Assert.True(world.Count <= examples.Count / 4, $"too many examples met a missing object or a conflict, so the world is wrong:\n{string.Join("\n", world)}");
    }
}
