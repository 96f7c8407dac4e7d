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
/// Both formats put the turn's total in the last event of its kind, so only the log's tail is read.
/// The log is the sandbox's output, so hostile: lines are bounded, non-JSON lines skipped, only
/// finite non-negative numbers counted. The sandbox can under-report; see docs/agents.md.
/// </summary>
internal static class AgentUsage
{
    /// <summary>A longer line is skipped whole (a real result event is a few KiB plus the final answer).</summary>
    internal const int MaxLineBytes = 1 << 20;

    /// <summary>How much of the log's end is read: the usage events come last.</summary>
    internal const long TailBytes = 16L << 20;

    public static TurnUsage Read(string output, string logPath)
    {
        if (output is not (AgentKindConfig.ClaudeStreamJson or AgentKindConfig.CodexJson) || !File.Exists(logPath))
        {
            return TurnUsage.None;
        }
        var usage = TurnUsage.None;
        foreach (var line in TailLines(logPath))
        {
            usage = Event(output, line) ?? usage;
        }
        return usage;
    }

    /// <summary>The usage one line reports, or null when it is not a usage event of <paramref name="output"/>.</summary>
    internal static TurnUsage? Event(string output, ReadOnlySpan<byte> line)
    {
        var start = line.IndexOfAnyExcept((byte)' ', (byte)'\t', (byte)'\r');
        if (start < 0 || line[start] != (byte)'{')
        {
            return null;
        }
        try
        {
            var reader = new Utf8JsonReader(line[start..], default(JsonReaderOptions));
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            var type = root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            var usage = root.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object ? u : default;
            if (output == AgentKindConfig.ClaudeStreamJson && type == "result")
            {
                // claude -p --output-format stream-json ends with one result event (success or
                // error_*): total_cost_usd for the whole run; usage.input_tokens excludes the
                // cache reads and writes, which are billed input too.
                return new TurnUsage(
                    Number(root, "total_cost_usd"),
                    usage.ValueKind == JsonValueKind.Object
                        ? Sum(Count(usage, "input_tokens"), Count(usage, "cache_creation_input_tokens"), Count(usage, "cache_read_input_tokens"))
                        : null,
                    usage.ValueKind == JsonValueKind.Object ? Count(usage, "output_tokens") : null);
            }
            if (output == AgentKindConfig.CodexJson && type == "turn.completed" && usage.ValueKind == JsonValueKind.Object)
            {
                // codex exec --json: turn.completed carries the thread's running total
                // (codex-rs/exec event_processor_with_jsonl_output.rs, usage_from_last_total), so
                // the last one wins; cached_input_tokens is part of input_tokens. No cost: codex
                // reports none.
                return new TurnUsage(null, Count(usage, "input_tokens"), Count(usage, "output_tokens"));
            }
        }
        catch (JsonException)
        {
        }
        return null;
    }

    internal static IEnumerable<byte[]> TailLines(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        // Starting mid-file, the first (partial) line is dropped: it ends where the tail begins.
        var skipping = stream.Length > TailBytes;
        if (skipping)
        {
            stream.Seek(-TailBytes, SeekOrigin.End);
        }
        var line = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            var at = 0;
            while (at < read)
            {
                var newline = Array.IndexOf(buffer, (byte)'\n', at, read - at);
                var end = newline < 0 ? read : newline;
                if (!skipping)
                {
                    if (line.Length + end - at > MaxLineBytes)
                    {
                        skipping = true;
                        line.SetLength(0);
                    }
                    else
                    {
                        line.Write(buffer, at, end - at);
                    }
                }
                if (newline < 0)
                {
                    break;
                }
                if (!skipping)
                {
                    yield return line.ToArray();
                }
                line.SetLength(0);
                skipping = false;
                at = newline + 1;
            }
        }
        if (!skipping && line.Length > 0)
        {
            yield return line.ToArray();
        }
    }

    private static double? Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) && double.IsFinite(d) && d >= 0 ? d : null;

    private static long? Count(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) && n >= 0 ? n : null;

    private static long? Sum(params long?[] parts)
    {
        long? total = null;
        foreach (var part in parts)
        {
            if (part is { } p)
            {
                total = (total ?? 0) + Math.Min(p, long.MaxValue - (total ?? 0));
            }
        }
        return total;
    }
}
