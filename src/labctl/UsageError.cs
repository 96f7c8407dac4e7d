using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Labctl;

/// <summary>
/// The one line labctl prints for a command line it refuses (exit 2), as git and kubectl do:
/// the problem in words a user knows (no .NET type names), then where the usage is.
/// </summary>
internal static partial class UsageError
{
    /// <summary>What is wrong with <paramref name="parseResult"/>, or null when it may run.</summary>
    public static string? Find(ParseResult parseResult)
    {
        // --help (and the version and completion directives) run despite errors, as System.CommandLine decides.
        if (parseResult.Action is System.CommandLine.Invocation.ParseErrorAction)
        {
            // A word labctl does not know says more than what is then missing.
            var error = parseResult.Errors.FirstOrDefault(e => Unrecognized().IsMatch(e.Message)) ?? parseResult.Errors[0];
            return Describe(error, parseResult);
        }
        // Only the command's own action: help, version and completion directives run whatever else is on the line.
        return parseResult.Action is not null && ReferenceEquals(parseResult.Action, parseResult.CommandResult.Command.Action)
            ? UnknownOption(parseResult)
            : null;
    }

    /// <summary><c>Run 'labctl exp run --help' for usage.</c></summary>
    public static string Hint(ParseResult parseResult) => $"Run '{CommandPath(parseResult.CommandResult)} --help' for usage.";

    /// <summary><c>labctl exp run</c>.</summary>
    private static string CommandPath(CommandResult commandResult)
    {
        var names = new List<string>();
        for (SymbolResult? result = commandResult; result is CommandResult command; result = command.Parent)
        {
            names.Add(command.Command is RootCommand ? "labctl" : command.Command.Name);
        }
        names.Reverse();
        return string.Join(' ', names);
    }

    /// <summary>Whether the command line has <c>--</c>: what follows it is a command, word for word.</summary>
    public static bool HasSeparator(ParseResult parseResult) => parseResult.Tokens.Any(t => t.Type == TokenType.DoubleDash);

    /// <summary>
    /// A word that looks like an option, before <c>--</c>, that no option claimed: System.CommandLine
    /// hands it to a command's trailing argument (<c>exp run … -- CMD</c>), where it would silently
    /// become part of the command.
    /// </summary>
    private static string? UnknownOption(ParseResult parseResult)
    {
        var beforeSeparator = parseResult.Tokens.TakeWhile(t => t.Type != TokenType.DoubleDash).ToList();
        for (SymbolResult? result = parseResult.CommandResult; result is CommandResult command; result = command.Parent)
        {
            foreach (var argument in command.Children.OfType<ArgumentResult>())
            {
                foreach (var token in argument.Tokens)
                {
                    if (LooksLikeOption(token.Value) && beforeSeparator.Any(t => ReferenceEquals(t, token)))
                    {
                        return $"unknown option '{token.Value}'; the command and its own options go after `--` ({CommandPath(parseResult.CommandResult)} [options] -- CMD ARGS...)";
                    }
                }
            }
        }
        return null;
    }

    private static bool LooksLikeOption(string word) =>
        word.Length > 1 && word[0] == '-' && !double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    internal static string Describe(ParseError error, ParseResult parseResult)
    {
        var message = error.Message;
        var path = CommandPath(parseResult.CommandResult);
        if (message.StartsWith("Required command was not provided", StringComparison.Ordinal))
        {
            var commands = parseResult.CommandResult.Command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name);
            return $"'{path}' needs a command: {string.Join(", ", commands)}";
        }
        if (message.StartsWith("Required argument missing for command", StringComparison.Ordinal))
        {
            var missing = error.SymbolResult switch
            {
                ArgumentResult argument => [argument.Argument],
                CommandResult command => command.Command.Arguments,
                _ => parseResult.CommandResult.Command.Arguments,
            };
            return $"'{path}' needs {string.Join(" and ", missing.Select(a => a.HelpName ?? a.Name))}";
        }
        if (CannotParse().Match(message) is { Success: true } parse)
        {
            var value = parse.Groups["value"].Value;
            var name = parse.Groups["name"].Value;
            var (what, example) = Kind(parse.Groups["type"].Value);
            return $"{name}: '{value}' is not {what}; give {example}";
        }
        if (Unrecognized().Match(message) is { Success: true } unrecognized)
        {
            var word = unrecognized.Groups["word"].Value;
            return LooksLikeOption(word) ? $"unknown option '{word}'" : $"unknown command or argument '{word}'";
        }
        if (NotAmong().Match(message) is { Success: true } among)
        {
            var allowed = string.Join(", ", among.Groups["allowed"].Value.Split(['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(a => a.Trim().Trim('\'')));
            var name = error.SymbolResult switch
            {
                ArgumentResult { Parent: OptionResult option } => option.Option.Name + ": ",
                OptionResult option => option.Option.Name + ": ",
                _ => "",
            };
            return $"{name}'{among.Groups["value"].Value}' is not one of: {allowed}";
        }
        return OneLine(TypeName().Replace(message, m => Kind(m.Value).What));
    }

    private static (string What, string Example) Kind(string typeName) => typeName switch
    {
        _ when typeName.Contains("Int", StringComparison.Ordinal) => ("a number", "a whole number like 3"),
        _ when typeName.Contains("Double", StringComparison.Ordinal) || typeName.Contains("Single", StringComparison.Ordinal) || typeName.Contains("Decimal", StringComparison.Ordinal) => ("a number", "a number like 2.5"),
        _ when typeName.Contains("Boolean", StringComparison.Ordinal) => ("true or false", "true or false"),
        _ when typeName.Contains("Date", StringComparison.Ordinal) => ("a time", "a time like 2h or an RFC 3339 instant"),
        _ => ("a valid value", "a value as `--help` describes it"),
    };

    private static string OneLine(string text) => string.Join(' ', text.Split(['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()));

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for (?:option|command) '(?<name>[^']*)' as expected type '(?<type>[^']*)'", RegexOptions.Singleline)]
    private static partial Regex CannotParse();

    [GeneratedRegex(@"^Unrecognized command or argument '(?<word>.*)'\.$", RegexOptions.Singleline)]
    private static partial Regex Unrecognized();

    [GeneratedRegex(@"^Argument '(?<value>.*)' not recognized\. Must be one of:(?<allowed>.*)$", RegexOptions.Singleline)]
    private static partial Regex NotAmong();

    [GeneratedRegex(@"System\.[A-Za-z0-9_.`\[\]]+")]
    private static partial Regex TypeName();
}
