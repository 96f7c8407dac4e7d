using System.Text.Json;
using Labd.SandboxPolicy.Config;

namespace Labd.Agents;

/// <summary>What one turn cost, as the agent CLI reported it on stdout; null members were not reported.</summary>
internal sealed record TurnUsage(double? CostUsd, long? InputTokens, long? OutputTokens)
{
    public static TurnUsage None { get; } = new(null, null, null);
}

/// <summary>
/// Reads a turn's log for the usage its agent CLI reported (<see cref="AgentKindConfig.Output"/>).
/// The log is the sandbox's output, so hostile: lines are bounded, non-JSON lines skipped, only
/// finite non-negative numbers counted. The sandbox can under-report; see docs/agents.md.
/// </summary>
internal static class AgentUsage
{
    internal const int MaxLineBytes = 1 << 20;

    public static TurnUsage Read(string output, string logPath)
    {
        if (output == AgentKindConfig.Text || !File.Exists(logPath))
        {
            return TurnUsage.None;
        }
        double? cost = null;
        long? input = null;
        long? outputTokens = null;
        foreach (var line in BoundedLines(logPath))
        {
            if (line.Length == 0 || line[0] != '{')
            {
                continue;
            }
            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                var type = root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                if (output == AgentKindConfig.ClaudeStreamJson && type == "result")
                {
                    // One result event per claude -p run; the last one wins.
                    cost = Number(root, "total_cost_usd") ?? cost;
                    if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
                    {
                        input = Sum(null, Count(usage, "input_tokens"), Count(usage, "cache_creation_input_tokens"), Count(usage, "cache_read_input_tokens")) ?? input;
                        outputTokens = Count(usage, "output_tokens") ?? outputTokens;
                    }
                }
                else if (output == AgentKindConfig.CodexJson && type == "turn.completed"
                    && root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
                {
                    // codex exec --json: one turn.completed per model turn; they add up.
                    input = Sum(input, Count(usage, "input_tokens"));
                    outputTokens = Sum(outputTokens, Count(usage, "output_tokens"));
                    cost = Sum(cost, Number(root, "cost_usd"));
                }
            }
            catch (JsonException)
            {
            }
        }
        return new TurnUsage(cost, input, outputTokens);
    }

    private static IEnumerable<string> BoundedLines(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var buffer = new System.Text.StringBuilder();
        int c;
        var skipping = false;
        while ((c = reader.Read()) >= 0)
        {
            if (c == '\n')
            {
                if (!skipping)
                {
                    yield return buffer.ToString();
                }
                buffer.Clear();
                skipping = false;
            }
            else if (!skipping)
            {
                buffer.Append((char)c);
                if (buffer.Length > MaxLineBytes)
                {
                    buffer.Clear();
                    skipping = true;
                }
            }
        }
        if (!skipping && buffer.Length > 0)
        {
            yield return buffer.ToString();
        }
    }

    private static double? Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) && double.IsFinite(d) && d >= 0 ? d : null;

    private static long? Count(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) && n >= 0 ? n : null;

    private static long? Sum(long? total, params long?[] parts)
    {
        foreach (var part in parts)
        {
            if (part is { } p)
            {
                total = (total ?? 0) + p;
            }
        }
        return total;
    }

    private static double? Sum(double? total, double? part) => part is { } p ? (total ?? 0) + p : total;
}
