using System.Text.Json;
using ModelContextProtocol.Protocol;

namespace Labctl.Mcp;

/// <summary>One MCP tool: its name, what it tells the model, its input schema (hand-written JSON), and what it does.</summary>
internal sealed class LabTool(string name, string description, string inputSchema, Func<LabSession, ToolArguments, CancellationToken, Task<string>> run)
{
    public string Name { get; } = name;

    public Tool Protocol { get; } = new()
    {
        Name = name,
        Description = description,
        InputSchema = Parse(inputSchema),
    };

    /// <summary>Runs the tool; the answer is the text the model reads.</summary>
    public Task<string> RunAsync(LabSession session, ToolArguments arguments, CancellationToken cancellationToken) => run(session, arguments, cancellationToken);

    private static JsonElement Parse(string schema)
    {
        using var document = JsonDocument.Parse(schema);
        return document.RootElement.Clone();
    }
}
