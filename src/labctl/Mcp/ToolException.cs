namespace Labctl.Mcp;

/// <summary>A tool call labctl refuses before asking labd (a missing or mistyped argument); the message names the fix.</summary>
internal sealed class ToolException(string message) : Exception(message);
