namespace Labctl.Tests.Support;

/// <summary>Runs labctl's command line in this process with captured output and a given environment.</summary>
internal static class InProcessLabctl
{
    public static async Task<CliResult> RunAsync(
        IReadOnlyDictionary<string, string>? environment, bool terminal, CancellationToken cancellationToken, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var console = new CliConsole(output, error, terminal, name => environment is not null && environment.TryGetValue(name, out var value) ? value : null);
        var exitCode = await Cli.RunAsync(args, console, cancellationToken);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    public static Task<CliResult> RunAsync(CancellationToken cancellationToken, params string[] args) =>
        RunAsync(null, false, cancellationToken, args);
}
