using System.Collections.Immutable;

namespace Labd.SandboxPolicy;

/// <summary>
/// A policy's own argv for an agent kind (<c>agents: {codex: {command: [...], output: codex-json}}</c>):
/// labs under the policy run it instead of labd.yaml's, or run a kind labd.yaml does not have.
/// <see cref="Output"/> null keeps the configured kind's output (text for a kind labd.yaml lacks).
/// Credentials always come from labd.yaml.
/// </summary>
public sealed record AgentKindOverride(ImmutableArray<string> Command, string? Output)
{
    public static ImmutableArray<string> Keys { get; } = ["command", "output"];
}
