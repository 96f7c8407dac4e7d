namespace Labctl;

/// <summary>Parses and runs one labctl command line against a console.</summary>
internal static class Cli
{
    /// <summary>Set to 1 to get the whole exception (with its stack) after labctl's one-line error.</summary>
    public const string DebugVariable = "LABCTL_DEBUG";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliConsole console, CancellationToken cancellationToken)
    {
        try
        {
            var root = CommandTree.Build(new CliContext(console));
            var parseResult = root.Parse(args);
            if (UsageError.Find(parseResult) is { } problem)
            {
                // One line and where the usage is, not the whole help (which buries the problem).
                console.Error.WriteLine("labctl: " + Output.TerminalText.Escape(problem));
                console.Error.WriteLine(UsageError.Hint(parseResult));
                return ExitCodes.Usage;
            }
            var configuration = new System.CommandLine.InvocationConfiguration
            {
                Output = console.Out,
                Error = console.Error,
                EnableDefaultExceptionHandler = false,
            };
            return await parseResult.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Commands turn what they expect into their own message; anything else still gets one
            // line, never a stack trace (LABCTL_DEBUG=1 adds it, for a bug report).
            console.Error.WriteLine("labctl: " + Output.TerminalText.Escape(OneLine(e.Message)));
            if (console.GetEnvironmentVariable(DebugVariable) is "1")
            {
                console.Error.WriteLine(e.ToString());
            }
            return ExitCodes.Failure;
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
