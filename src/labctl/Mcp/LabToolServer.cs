using Labctl.Client;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Labctl.Mcp;

/// <summary>
/// The MCP server behind <c>labctl mcp</c>: the package's low-level list/call handlers over
/// hand-written schemas (no reflection-based tool discovery, so it survives Native AOT). A tool
/// that fails answers <c>isError</c> with labd's problem message; nothing a tool does ends the server.
/// </summary>
internal sealed class LabToolServer
{
    public const string Instructions =
        "Tools for a labd research lab. Start each turn with lab_orient; lab_guide explains the workflow and the metrics contract. " +
        "An experiment belongs to an idea (lab_idea_new), runs on a snapshot of your working tree (lab_exp_run) and reports its metrics on its last output line; lab_exp_wait waits for it.";

    private readonly Dictionary<string, LabTool> _tools;
    private readonly LabSession _session;
    private readonly TextWriter _log;

    public LabToolServer(LabSession session, TextWriter log)
    {
        _session = session;
        _log = log;
        _tools = Tools.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    public static IReadOnlyList<LabTool> Tools { get; } = [.. TrackerTools.Create(), .. ExperimentTools.Create()];

    /// <summary>Serves JSON-RPC on <paramref name="input"/>/<paramref name="output"/> until the client closes its end and every request it sent is answered.</summary>
    public async Task RunAsync(Stream input, Stream output, CancellationToken cancellationToken)
    {
        var options = new McpServerOptions
        {
            ServerInfo = new Implementation { Name = "labd", Version = ClientVersion.Current },
            ServerInstructions = Instructions,
            Capabilities = new ServerCapabilities { Tools = new ToolsCapability() },
            Handlers = new McpServerHandlers
            {
                ListToolsHandler = (_, _) => ValueTask.FromResult(new ListToolsResult { Tools = [.. Tools.Select(t => t.Protocol)] }),
                CallToolHandler = (request, ct) => CallAsync(request.Params, ct),
            },
        };
        // End of input ends the server only once every request read has its answer.
        var answered = new AnsweredInput(input, output);
        var pump = answered.PumpAsync(cancellationToken);
        await using (var transport = new StreamServerTransport(answered.Input, answered.Output, "labd", loggerFactory: null))
        {
            await using var server = McpServer.Create(transport, options);
            await server.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        if (!cancellationToken.IsCancellationRequested)
        {
            await pump.ConfigureAwait(false);
        }
    }

    private async ValueTask<CallToolResult> CallAsync(CallToolRequestParams? request, CancellationToken cancellationToken)
    {
        var name = request?.Name ?? "";
        if (!_tools.TryGetValue(name, out var tool))
        {
            throw new McpProtocolException($"Unknown tool '{name}'; tools/list names labd's lab_* tools", McpErrorCode.InvalidParams);
        }
        try
        {
            var text = await tool.RunAsync(_session, new ToolArguments(request!.Arguments), cancellationToken).ConfigureAwait(false);
            return new CallToolResult { Content = [new TextContentBlock { Text = text }] };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            var message = Describe(e);
            await _log.WriteLineAsync($"labctl mcp: {name}: {message}").ConfigureAwait(false);
            return new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = message }] };
        }
    }

    /// <summary>The message a model (and a person reading stderr) can act on, as labctl's CLI words it.</summary>
    internal static string Describe(Exception e) => e switch
    {
        LabdApiException api => string.Join('\n', [$"{api.Detail} ({api.Code})", .. api.Errors]),
        LabdUnreachableException unreachable => unreachable.Detail + "; " + CliContext.NextStep(unreachable),
        ToolException tool => tool.Message,
        _ => $"labctl failed: {e.GetType().Name}: {e.Message}",
    };
}
