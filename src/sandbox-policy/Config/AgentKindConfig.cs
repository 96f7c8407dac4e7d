using System.Collections.Immutable;

namespace Labd.SandboxPolicy.Config;

/// <summary>
/// One agent kind from labd.yaml's <c>agents</c> section: the argv of one turn, how its output
/// reports usage, and the credentials injected into that agent's sandbox only.
/// </summary>
/// <param name="Command">The turn's argv. <c>{prompt}</c> in an element is replaced by the turn
/// prompt (role prompt plus labd's guide), <c>{promptFile}</c> by its path inside the sandbox
/// (<c>/run/lab/prompt.md</c>), <c>{mcpConfig}</c> by the path of an MCP client configuration
/// that starts <c>labctl mcp</c> (<c>/run/lab/mcp.json</c>). No shell is involved. An argv
/// without <c>{prompt}</c> reads the prompt on stdin; one with it puts the prompt on the
/// target's command line, which every local user can read in <c>ps</c>.</param>
/// <param name="Output">How labd reads the turn's stdout for cost and tokens: <c>text</c> (nothing
/// to read), <c>claude-stream-json</c> (Claude Code <c>--output-format stream-json</c>: the
/// <c>result</c> event's <c>total_cost_usd</c> and <c>usage</c>), <c>codex-json</c> (<c>codex exec
/// --json</c> events: token usage; cost only when the events report it).</param>
/// <param name="Credentials">Environment variable name → root-owned file whose content becomes
/// its value, inside this agent's sandbox only (never in experiments, logs or API answers).</param>
public sealed record AgentKindConfig(
    ImmutableArray<string> Command,
    string Output,
    ImmutableDictionary<string, string> Credentials)
{
    public const string Text = "text";
    public const string ClaudeStreamJson = "claude-stream-json";
    public const string CodexJson = "codex-json";

    /// <summary>The kind name of an agent started with a custom command (<c>--agent-command</c>).</summary>
    public const string Custom = "custom";

    public static ImmutableArray<string> Outputs { get; } = [Text, ClaudeStreamJson, CodexJson];

    public static ImmutableArray<string> Keys { get; } = ["command", "output", "credentials"];

    /// <summary>
    /// The embedded kinds: Claude Code and Codex, non-interactive, with labd's MCP tools for Claude.
    /// Flags checked against <c>claude --help</c> (2.1.197) and <c>codex exec --help</c> (0.169.0), the
    /// versions scripts/install picks for node 18 and 20. The prompt arrives on stdin (<c>claude -p</c>
    /// without a prompt argument, <c>codex exec -</c>), never on a command line, which every local user
    /// can read (issue 13); so a role prompt starting with '-' (or a codex subcommand name such as
    /// "review") stays the prompt. The sandbox is
    /// the boundary, so the CLIs' own permission prompts and sandboxes are off; Claude Code refuses
    /// <c>--dangerously-skip-permissions</c> as uid 0, and agents run as their own unprivileged uid.
    /// </summary>
    public static ImmutableDictionary<string, AgentKindConfig> Defaults { get; } = new Dictionary<string, AgentKindConfig>(StringComparer.Ordinal)
    {
        ["claude"] = new(
            ["claude", "-p", "--output-format", "stream-json", "--verbose", "--dangerously-skip-permissions", "--mcp-config", "{mcpConfig}"],
            ClaudeStreamJson,
            ImmutableDictionary<string, string>.Empty.Add("ANTHROPIC_API_KEY", "/etc/labd/secrets/anthropic-api-key")),
        ["codex"] = new(
            ["codex", "exec", "--json", "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox", "-"],
            CodexJson,
            ImmutableDictionary<string, string>.Empty.Add("OPENAI_API_KEY", "/etc/labd/secrets/openai-api-key")),
    }.ToImmutableDictionary(StringComparer.Ordinal);
}
