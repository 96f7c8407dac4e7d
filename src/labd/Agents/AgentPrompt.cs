using System.Globalization;
using System.Text;
using Labd.Git;
using Labd.Tracker;

namespace Labd.Agents;

/// <summary>
/// What one turn is told: the lab's role prompt (<c>PROMPT.&lt;role&gt;.md</c>, else
/// <c>PROMPT.md</c>, from the tip of the lab's main branch, capped), a short context block (who,
/// which turn) and labd's guide. Written as <c>/run/lab/prompt.md</c>, with <c>/run/lab/mcp.json</c>
/// beside it, and substituted into the kind's argv.
/// </summary>
internal static class AgentPrompt
{
    internal const int MaxRolePromptBytes = 64 * 1024;
    internal const int MaxArgumentBytes = 100 * 1024;
    public const string PromptFileName = "prompt.md";
    public const string McpFileName = "mcp.json";
    public const string PromptFile = "/run/lab/" + PromptFileName;
    public const string McpFile = "/run/lab/" + McpFileName;

    /// <summary>The MCP client configuration that starts labctl's MCP server next to the agent's socket.</summary>
    public static string McpConfig { get; } = """{"mcpServers":{"lab":{"command":"labctl","args":["mcp"]}}}""";

    public static string Build(AgentRow agent, LabRow lab, int turn)
    {
        var text = new StringBuilder();
        if (RolePrompt(lab, agent.Role) is { } role)
        {
            text.Append(role.TrimEnd()).Append("\n\n");
        }
        var inv = CultureInfo.InvariantCulture;
        text.Append("## This turn\n\n");
        text.Append(inv, $"- Agent: {agent.Id} (role {agent.Role}); call yourself agent:{agent.Id} in messages\n");
        text.Append(inv, $"- Lab: {agent.Lab}\n");
        text.Append(inv, $"- Turn: {turn}{(agent.MaxTurns is { } max ? $" of at most {max}" : "")}\n");
        text.Append(inv, $"- Worktree (your current directory, branch {agent.Branch}): {agent.Worktree}\n\n");
        text.Append(AgentGuide.Text);
        return text.ToString();
    }

    /// <summary>The kind's argv with <c>{prompt}</c>, <c>{promptFile}</c> and <c>{mcpConfig}</c> replaced
    /// inside each element (no shell; the prompt is capped at <see cref="MaxArgumentBytes"/>).</summary>
    public static IReadOnlyList<string> Substitute(IReadOnlyList<string> command, string prompt)
    {
        var capped = Cap(prompt, MaxArgumentBytes);
        return [.. command.Select(a => a.Replace("{prompt}", capped, StringComparison.Ordinal)
            .Replace("{promptFile}", PromptFile, StringComparison.Ordinal)
            .Replace("{mcpConfig}", McpFile, StringComparison.Ordinal))];
    }

    /// <summary>The turn's stdin: the prompt file when the kind's argv does not carry the prompt itself
    /// (the embedded kinds), so the prompt is on no command line (issue 13); else none, as codex
    /// would append a piped stdin to its prompt argument.</summary>
    public static string? StandardInput(IReadOnlyList<string> command) =>
        command.Any(a => a.Contains("{prompt}", StringComparison.Ordinal)) ? null : PromptFile;

    /// <summary>Where a role's prompt is looked for on main, first found wins (also what <see cref="AgentSources"/> checks).</summary>
    public static IReadOnlyList<string> PromptFiles(string role) => [$"PROMPT.{role}.md", LabPrompt.FileName];

    private static string? RolePrompt(LabRow lab, string role)
    {
        using var repository = LabRepository.Open(lab.Path, lab.OwnerUid);
        foreach (var file in PromptFiles(role))
        {
            if (repository.ReadFile(lab.MainBranch, file, MaxRolePromptBytes) is { } bytes)
            {
                return Encoding.UTF8.GetString(bytes);
            }
        }
        return null;
    }

    private static string Cap(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }
        var bytes = Encoding.UTF8.GetBytes(text);
        var end = maxBytes;
        // Never cut inside a UTF-8 sequence: back up to the start of one.
        while (end > 0 && (bytes[end] & 0b1100_0000) == 0b1000_0000)
        {
            end--;
        }
        return Encoding.UTF8.GetString(bytes, 0, end);
    }
}
