namespace Labctl;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var console = Labctl.CliConsole.FromProcess();
        var exitCode = await Cli.RunAsync(args, console, CancellationToken.None).ConfigureAwait(false);
        await console.Out.FlushAsync().ConfigureAwait(false);
        return exitCode;
    }
}
