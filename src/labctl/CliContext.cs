using System.CommandLine;
using Labctl.Client;

namespace Labctl;

/// <summary>What every command needs: the console, the global options, and one way to fail.</summary>
internal sealed class CliContext(CliConsole console)
{
    public const string DaemonHint = "is labd running? try `systemctl status labd` or `labctl doctor`";
    public const string GroupHint = "join group labd (`usermod -aG labd $USER`, then log in again) or see `labctl doctor`";

    public CliConsole Console { get; } = console;

    public GlobalOptions Options { get; } = new(console);

    public LabdClient Connect(ParseResult parseResult) => new(Options.SocketPath(parseResult));

    public OutputFormat Format(ParseResult parseResult) => Options.Format(parseResult);

    /// <summary>
    /// Runs a command body; turns labd's errors into <c>labctl: …</c> on stderr with the next
    /// step, and the documented exit code.
    /// </summary>
    public async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (LabdUnreachableException e)
        {
            return Fail(e.ExitCode, e.Detail + "; " + NextStep(e));
        }
        catch (LabdApiException e)
        {
            foreach (var error in e.Errors)
            {
                Console.Error.WriteLine(error);
            }
            return Fail(e.ExitCode, $"{e.Detail} ({e.Code})");
        }
    }

    public int Fail(int exitCode, string message)
    {
        Console.Error.WriteLine("labctl: " + message);
        return exitCode;
    }

    public static string NextStep(LabdUnreachableException e) => e.PermissionDenied ? GroupHint : DaemonHint;
}
