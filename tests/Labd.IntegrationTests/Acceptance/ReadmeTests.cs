using System.Text.RegularExpressions;
using Labd.IntegrationTests.TestBed;

namespace Labd.IntegrationTests.Acceptance;

/// <summary>
/// The README's "Using it" section, read from README.md at test time and run line by line as a
/// user made by adduser (a 0700 home), in group labd, against labd with its packaged configuration
/// and the embedded shipped policies: README and behaviour cannot drift apart.
/// </summary>
public sealed partial class ReadmeTests
{
    /// <summary>What the user brings: a repository of their own whose training script prints the
    /// metrics line (the README's <c>cd ~/my-repo</c> presumes one).</summary>
    private static readonly Dictionary<string, string> MyRepo = new()
    {
        ["train.py"] = "import json, os\nprint('training on', os.environ.get('CUDA_VISIBLE_DEVICES'))\nprint(json.dumps({'metrics': {'score': 0.5}}))\n",
    };

    /// <summary>Each shell line of the <c>```sh</c> blocks between <c>## Using it</c> and the next <c>## </c> heading.</summary>
    internal static IReadOnlyList<string> UsingItLines(string readme)
    {
        var start = readme.IndexOf("\n## Using it\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no '## Using it' section");
        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = readme[start..(end < 0 ? readme.Length : end)];
        return [.. ShBlock().Matches(section).SelectMany(m => m.Groups[1].Value.Split('\n')).Where(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#'))];
    }

    [GeneratedRegex(@"```sh\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShBlock();

    /// <summary>A line that follows (<c>-f</c>) runs until the user would press Ctrl-C.</summary>
    private static bool Follows(string line) => Regex.IsMatch(line.Split('#')[0], @"(^|\s)(-f|--follow)(\s|$)");

    [Fact(Timeout = 900_000)]
    public async Task Every_line_of_the_readme_using_it_section_works_for_a_new_user_with_a_0700_home()
    {
        var ct = TestContext.Current.CancellationToken;
        var lines = UsingItLines(await File.ReadAllTextAsync(Path.Combine(AcceptanceBed.Repository, "README.md"), ct));
        Assert.Contains(lines, l => l.Contains("labctl exp run", StringComparison.Ordinal));
        await using var bed = await AcceptanceBed.StartAsync(ct);
        await using var user = await NewUser.AddAsync(ct);
        Assert.Equal("700", (await bed.OkAsync(user, "stat -c %a ~", ct)).Trim());
        await bed.MakeRepositoryAsync(user, "my-repo", MyRepo, ct);
        using var secrets = AgentSecrets.Ensure();

        var cwd = user.Home;
        var transcript = new List<string>();
        foreach (var line in lines)
        {
            var pwdFile = bed.Dir["pwd-" + Guid.NewGuid().ToString("N")[..8]];
            // Each line runs in the directory the previous one left (the README's `cd` carries on).
            var script = $"cd '{cwd}'\n{line}\nrc=$?\npwd > '{pwdFile}'\nexit $rc";
            File.WriteAllText(pwdFile, cwd);
            Interop.Chmod.Set(pwdFile, 0b110_110_110);
            var follows = Follows(line);
            var (exit, stdout, stderr) = await user.ShAsync(script, bed.Environment, ct, interruptAfter: follows ? TimeSpan.FromSeconds(5) : null);
            transcript.Add($"$ {line}\n{stdout}{stderr}[exit {exit}]");
            var ok = exit == 0 || (follows && exit == 130);
            Assert.True(ok, $"README line failed: {line}\n--- transcript ---\n{string.Join("\n", transcript)}\n--- labd ---\n{AcceptanceBed.Tail(bed.Labd.Output)}");
            Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
            cwd = File.ReadAllText(pwdFile).Trim();
        }
        TestContext.Current.SendDiagnosticMessage(string.Join("\n", transcript));
    }

    [Fact(Timeout = 30_000)]
    public async Task The_readme_using_it_section_is_read_as_shell_lines()
    {
        var lines = UsingItLines(await File.ReadAllTextAsync(Path.Combine(AcceptanceBed.Repository, "README.md"), TestContext.Current.CancellationToken));
        Assert.Contains("labctl doctor            # is this host ready for labd's sandboxes, and can I reach labd?", lines);
        Assert.All(lines, l => Assert.DoesNotContain("```", l, StringComparison.Ordinal));
        Assert.True(Follows("labctl agent logs -f 1                                    # its turns' output"));
        Assert.False(Follows("labctl exp run --idea 1 -- python3 train.py  # -f is not an option here"));
    }
}
