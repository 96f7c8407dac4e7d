using System.CommandLine;
using Labctl.Client;

namespace Labctl;

/// <summary>What every command needs: the console, the global options, and one way to fail.</summary>
internal sealed class CliContext(CliConsole console)
{
    public const string SandboxGroupHint = "inside a sandbox use its own socket, $LAB_API_SOCKET (drop --socket and LABD_SOCKET)";
    public const string GroupHint = "join group labd (`usermod -aG labd $USER`, then log in again) or see `labctl doctor`";

    public CliConsole Console { get; } = console;

    public GlobalOptions Options { get; } = new(console);

    /// <summary>A client for labd at <c>--socket</c>; inside a sandbox it waits out a labd restart (<see cref="ConnectRetry"/>).</summary>
    public LabdClient Connect(ParseResult parseResult, TimeSpan? timeout = null)
    {
        var socket = Options.SocketPath(parseResult);
        return new(socket, timeout, ConnectRetry.For(Site(socket), Console.GetEnvironmentVariable, Console.Error));
    }

    /// <summary>Where this labctl runs, by the console's environment.</summary>
    public LabdSite Site(string socketPath) => LabdSite.Detect(socketPath, Console.GetEnvironmentVariable);

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
            return Fail(e.ExitCode, e.Detail + "; " + Hint(e));
        }
        catch (LabdApiException e)
        {
            foreach (var error in e.Errors)
            {
                Console.Error.WriteLine(Output.TerminalText.Escape(error));
            }
            return Fail(e.ExitCode, $"{e.Detail} ({e.Code})");
        }
    }

    public int Fail(int exitCode, string message)
    {
        Console.Error.WriteLine("labctl: " + Output.TerminalText.Escape(message));
        return exitCode;
    }

    /// <summary>The next step for <paramref name="e"/>, by the console's environment.</summary>
    public string Hint(LabdUnreachableException e) => Hint(Site(e.SocketPath), e);

    /// <summary>The next step for <paramref name="e"/>, by this process's environment (the MCP server's view).</summary>
    public static string NextStep(LabdUnreachableException e) => Hint(LabdSite.Current(e.SocketPath), e);

    private static string Hint(LabdSite site, LabdUnreachableException e) => site switch
    {
        // A sandbox has no groups to join: only its own socket is meant for it.
        { InSandbox: true, SandboxSocket: false } when e.PermissionDenied => SandboxGroupHint,
        _ when e.PermissionDenied => GroupHint,
        _ => site.DaemonHint,
    };
}
