using System.CommandLine;
using Labctl.Mcp;

namespace Labctl.Commands;

/// <summary><c>labctl mcp</c>: labd's lab operations as MCP tools on stdio, for coding agents.</summary>
internal static class McpCommand
{
    public const string Description = "Serve the lab's operations as MCP tools over stdio, for coding agents (JSON-RPC on stdout, diagnostics on stderr); `labctl mcp --help` shows how to attach it";

    public const string Help = """
        An MCP client (Claude Code, Codex, ...) starts it as a child process. In an agent's sandbox it talks to its own socket (/run/lab/api.sock,
        where the caller is the agent) and the lab is the agent's; elsewhere the lab is --lab or the
        one containing the directory it starts in. Tools: lab_orient, lab_leaderboard, lab_search,
        lab_idea_new, lab_idea_note, lab_idea_conclude, lab_exp_run, lab_exp_wait, lab_exp_logs,
        lab_msg_send, lab_msg_ls, lab_guide.

        Attach it to Claude Code (labd does this for its claude agents via /run/lab/mcp.json):
          claude --mcp-config labd-mcp.json    where labd-mcp.json is
          {"mcpServers": {"labd": {"command": "labctl", "args": ["mcp"]}}}

        Attach it to Codex, in ~/.codex/config.toml (waits can outlast Codex's 60 s default):
          [mcp_servers.labd]
          command = "labctl"
          args = ["mcp"]
          tool_timeout_sec = 900

        Try it by hand:
          printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"sh","version":"0"}}}' | labctl mcp
        """;

    public static Command Create(CliContext context)
    {
        var lab = LabOption.Create();
        var command = new Command("mcp", Description) { lab };
        HelpEpilogue.Add(command, Help);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            // stdout is the protocol's: take the raw stream, then point Console.Out at stderr so a
            // stray write anywhere in the process cannot corrupt a frame.
            var protocolOut = Console.OpenStandardOutput();
            var input = Console.OpenStandardInput();
            Console.SetOut(context.Console.Error);
            var session = new LabSession(context.Options.SocketPath(parseResult), parseResult.GetValue(lab));
            await context.Console.Error.WriteLineAsync($"labctl mcp: {LabToolServer.Tools.Count} tools on stdio, labd at {session.SocketPath}").ConfigureAwait(false);
            await new LabToolServer(session, context.Console.Error).RunAsync(input, protocolOut, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }
}
