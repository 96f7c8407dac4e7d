using System.CommandLine;
using System.Text;
using System.Text.RegularExpressions;

namespace Labctl.Tests.Agents;

/// <summary>Finds <c>labctl ...</c> example lines in help text and markdown and parses them against the real command tree.</summary>
internal static partial class CommandExamples
{
    /// <summary>Every <c>`labctl ...`</c> span, and every indented line that starts with <c>labctl </c>.</summary>
    public static IEnumerable<string> In(string text) =>
        Backticked().Matches(text).Select(m => m.Groups[1].Value)
            .Concat(Indented().Matches(text).Select(m => m.Groups[1].Value.TrimEnd()))
            .Distinct(StringComparer.Ordinal);

    /// <summary>Every example in every command's description, with the command's path.</summary>
    public static IEnumerable<(string Command, string Example)> InHelp(Command command, string path = "labctl")
    {
        foreach (var example in In(command.Description ?? ""))
        {
            yield return (path, example);
        }
        foreach (var sub in command.Subcommands)
        {
            foreach (var found in InHelp(sub, path + " " + sub.Name))
            {
                yield return found;
            }
        }
    }

    /// <summary>The parse errors of <paramref name="example"/> (shell words; the placeholder N becomes 7), or that it names no runnable command.</summary>
    public static IReadOnlyList<string> Problems(string example)
    {
        var words = Words(example).Skip(1).Select(w => Placeholder().Replace(w, "7")).ToArray();
        var root = CommandTree.Build(new CliContext(new CliConsole(TextWriter.Null, TextWriter.Null, false, _ => null)));
        var result = root.Parse(words);
        var problems = result.Errors.Select(e => e.Message).ToList();
        if (problems.Count == 0 && UsageError.Find(result) is { } usage)
        {
            problems.Add(usage);
        }
        if (problems.Count == 0 && result.CommandResult.Command.Action is null)
        {
            problems.Add($"'{result.CommandResult.Command.Name}' is a group, not a command");
        }
        return problems;
    }

    /// <summary>POSIX-shell-like words: single and double quotes, backslash escapes in double quotes.</summary>
    public static IReadOnlyList<string> Words(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\'')
            {
                var end = line.IndexOf('\'', i + 1);
                word.Append(line, i + 1, end - i - 1);
                i = end;
                inWord = true;
            }
            else if (c == '"')
            {
                for (i++; line[i] != '"'; i++)
                {
                    if (line[i] == '\\' && line[i + 1] is '"' or '\\' or '$')
                    {
                        i++;
                    }
                    word.Append(line[i]);
                }
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }
        if (inWord)
        {
            words.Add(word.ToString());
        }
        return words;
    }

    [GeneratedRegex("`(labctl [^`]+)`")]
    private static partial Regex Backticked();

    [GeneratedRegex(@"^[ \t]+(labctl [^\n`]+)$", RegexOptions.Multiline)]
    private static partial Regex Indented();

    [GeneratedRegex(@"\bN\b")]
    private static partial Regex Placeholder();
}
