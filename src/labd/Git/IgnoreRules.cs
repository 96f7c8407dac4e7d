using System.Text;
using System.Text.RegularExpressions;

namespace Labd.Git;

/// <summary>
/// gitignore(5) patterns, evaluated by labd itself instead of libgit2 so that only files inside
/// the lab are consulted: libgit2 would also read <c>core.excludesFile</c> from the repository's
/// config, which an agent can point at any file root can read (the file's lines would become
/// patterns, and which files got ignored would reveal them). Supported: comments, <c>!</c>
/// negation, trailing-slash directory patterns, anchoring by a leading or inner slash,
/// <c>*</c>, <c>?</c>, <c>[...]</c> and <c>**</c>. Last match wins; regexes are non-backtracking.
/// </summary>
internal sealed class IgnoreRules
{
    internal const int MaxRulesPerFile = 10_000;

    private readonly List<Rule> _rules = [];

    private sealed record Rule(string Base, Regex Pattern, bool Negated, bool DirectoryOnly, bool Anchored);

    public int Count => _rules.Count;

    /// <summary>Adds the patterns of one ignore file that lives in <paramref name="baseDirectory"/> ("" for the top).</summary>
    public void Add(string baseDirectory, string text)
    {
        var added = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            if (++added > MaxRulesPerFile)
            {
                break;
            }
            var line = TrimTrailingSpaces(rawLine.TrimEnd('\r'));
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            var negated = false;
            if (line[0] == '!')
            {
                negated = true;
                line = line[1..];
            }
            else if (line.StartsWith("\\#", StringComparison.Ordinal) || line.StartsWith("\\!", StringComparison.Ordinal))
            {
                line = line[1..];
            }
            var directoryOnly = line.EndsWith('/');
            line = line.TrimEnd('/');
            if (line.Length == 0)
            {
                continue;
            }
            var anchored = line.Contains('/');
            line = line.TrimStart('/');
            if (line.Length == 0)
            {
                continue;
            }
            Regex regex;
            try
            {
                regex = new Regex(ToRegex(line), RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
            }
            catch (ArgumentException)
            {
                // A pattern git would treat literally but .NET cannot parse (e.g. "[!]"): never matches.
                continue;
            }
            _rules.Add(new Rule(baseDirectory, regex, negated, directoryOnly, anchored));
        }
    }

    /// <summary>Whether <paramref name="relativePath"/> (slash-separated, from the top) is ignored.</summary>
    public bool IsIgnored(string relativePath, bool isDirectory)
    {
        var ignored = false;
        foreach (var rule in _rules)
        {
            if (rule.DirectoryOnly && !isDirectory)
            {
                continue;
            }
            string subject;
            if (rule.Base.Length == 0)
            {
                subject = relativePath;
            }
            else if (relativePath.StartsWith(rule.Base + "/", StringComparison.Ordinal))
            {
                subject = relativePath[(rule.Base.Length + 1)..];
            }
            else
            {
                continue;
            }
            if (!rule.Anchored)
            {
                subject = subject[(subject.LastIndexOf('/') + 1)..];
            }
            if (rule.Pattern.IsMatch(subject))
            {
                ignored = !rule.Negated;
            }
        }
        return ignored;
    }

    private static string TrimTrailingSpaces(string line)
    {
        var end = line.Length;
        while (end > 0 && line[end - 1] == ' ' && !(end > 1 && line[end - 2] == '\\'))
        {
            end--;
        }
        return line[..end];
    }

    private static string ToRegex(string glob)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*'
                && (i == 0 || glob[i - 1] == '/') && (i + 2 == glob.Length || glob[i + 2] == '/'))
            {
                if (i + 2 == glob.Length)
                {
                    regex.Append(".*");
                }
                else
                {
                    // "**/" matches zero or more whole directories.
                    regex.Append("(?:.*/)?");
                    i++;
                }
                i++;
            }
            else if (c == '*')
            {
                regex.Append("[^/]*");
            }
            else if (c == '?')
            {
                regex.Append("[^/]");
            }
            else if (c == '[' && glob.IndexOf(']', i + 1) is var close && close > i + 1)
            {
                var body = glob[(i + 1)..close];
                var negated = body.StartsWith('!') || body.StartsWith('^');
                if (negated)
                {
                    body = body[1..];
                }
                regex.Append('[').Append(negated ? "^" : "").Append(body.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("[", "\\[", StringComparison.Ordinal)).Append(']');
                i = close;
            }
            else if (c == '\\' && i + 1 < glob.Length)
            {
                regex.Append(Regex.Escape(glob[++i].ToString()));
            }
            else
            {
                regex.Append(Regex.Escape(c.ToString()));
            }
        }
        return regex.Append('$').ToString();
    }
}
