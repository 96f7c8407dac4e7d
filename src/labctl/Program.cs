namespace Labctl;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // A parent's SIG_IGN (nohup, a non-interactive shell's `&`) would otherwise make Ctrl-C and
        // SIGTERM silently do nothing in every command that follows, waits or runs.
        SignalDisposition.RestoreDefault(SignalDisposition.SIGINT);
        SignalDisposition.RestoreDefault(SignalDisposition.SIGTERM);
        var console = Labctl.CliConsole.FromProcess();
        var exitCode = await Cli.RunAsync(args, console, CancellationToken.None).ConfigureAwait(false);
        await console.Out.FlushAsync().ConfigureAwait(false);
        return exitCode;
    }
}
