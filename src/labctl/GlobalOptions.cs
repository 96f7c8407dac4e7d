using System.CommandLine;

namespace Labctl;

/// <summary>Options every command accepts: where labd is, and how to print.</summary>
internal sealed class GlobalOptions
{
    public const string DefaultSocket = "/run/labd/labd.sock";
    public const string SocketVariable = "LABD_SOCKET";

    /// <summary>Set by labd inside every sandbox: the sandbox's own socket (<c>/run/lab/api.sock</c>).</summary>
    public const string SandboxSocketVariable = "LAB_API_SOCKET";

    public GlobalOptions(CliConsole console)
    {
        Socket = new Option<string>("--socket")
        {
            Description = $"labd's Unix socket [env: {SocketVariable}, then {SandboxSocketVariable}]",
            HelpName = "path",
            Recursive = true,
            DefaultValueFactory = _ =>
                console.GetEnvironmentVariable(SocketVariable) is { Length: > 0 } fromEnv ? fromEnv
                : console.GetEnvironmentVariable(SandboxSocketVariable) is { Length: > 0 } inSandbox ? inSandbox
                : DefaultSocket,
        };
        Output = new Option<string>("--output", "-o")
        {
            Description = "Output format: table for people, json for scripts",
            HelpName = "table|json",
            Recursive = true,
            DefaultValueFactory = _ => "table",
        };
        Output.AcceptOnlyFromAmong("table", "json");
    }

    public Option<string> Socket { get; }

    public Option<string> Output { get; }

    public void AddTo(Command root)
    {
        root.Options.Add(Socket);
        root.Options.Add(Output);
    }

    public string SocketPath(ParseResult parseResult) => parseResult.GetValue(Socket) ?? DefaultSocket;

    public OutputFormat Format(ParseResult parseResult) =>
        parseResult.GetValue(Output) == "json" ? OutputFormat.Json : OutputFormat.Table;
}
