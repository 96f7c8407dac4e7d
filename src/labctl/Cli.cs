using System.CommandLine;
using System.CommandLine.Invocation;

namespace Labctl;

/// <summary>Parses and runs one labctl command line against a console.</summary>
internal static class Cli
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliConsole console, CancellationToken cancellationToken)
    {
        var root = CommandTree.Build(new CliContext(console));
        var parseResult = root.Parse(args);
        var configuration = new InvocationConfiguration { Output = console.Out, Error = console.Error };
        var exitCode = await parseResult.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        // System.CommandLine answers every parse error with 1; labctl keeps 1 for failures.
        return parseResult.Action is ParseErrorAction ? ExitCodes.Usage : exitCode;
    }
}
