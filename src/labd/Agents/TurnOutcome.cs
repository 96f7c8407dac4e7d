using System.Globalization;
using System.Text;
using System.Text.Json;
using Labd.Runs;
using Labd.SandboxPolicy.Config;

namespace Labd.Agents;

/// <summary>
/// How a turn ended, in words a person can act on: its status (succeeded, failed, stopped) and,
/// unless it succeeded, why: Claude Code's <c>result</c> event's error (e.g. "API Error: Invalid
/// API key"; it may exit 0 with <c>is_error</c>), else the exit status and the last line of
/// output. The log is the sandbox's output, so hostile: read from its tail, bounded, made printable.
/// </summary>
internal static class TurnOutcome
{
    internal const int MaxReasonChars = 300;

    public static (string Status, string? Reason) Judge(string output, RunExit exit, string logPath)
    {
        var (claudeError, lastLine) = Read(output, logPath);
        return exit.Outcome switch
        {
            RunOutcome.Cancelled => ("stopped", exit.Message ?? "stopped"),
            RunOutcome.Exited when exit.ExitCode == 0 && claudeError is null => ("succeeded", null),
            RunOutcome.Exited when claudeError is not null => ("failed", claudeError),
            RunOutcome.Exited => ("failed", string.Create(CultureInfo.InvariantCulture, $"exited with {exit.ExitCode}") + (lastLine is null ? "" : ": " + lastLine)),
            RunOutcome.TimedOut => ("failed", "timed out" + (exit.Message is { } m ? ": " + m : "")),
            RunOutcome.SetupFailed => ("failed", "the sandbox could not start: " + exit.Message),
            _ => ("failed", exit.Message ?? "the turn's run was lost (its supervisor ended without recording an exit)"),
        };
    }

    /// <summary>The error of the last Claude result event (stream-json only), and the last non-empty line.</summary>
    private static (string? ClaudeError, string? LastLine) Read(string output, string logPath)
    {
        string? error = null;
        string? last = null;
        try
        {
            if (!File.Exists(logPath))
            {
                return (null, null);
            }
            foreach (var line in AgentUsage.TailLines(logPath))
            {
                var text = Encoding.UTF8.GetString(line).Trim();
                if (text.StartsWith("[rootlesskit:", StringComparison.Ordinal) || text.StartsWith(Runs.RunEndText.LogPrefix, StringComparison.Ordinal))
                {
                    // labd's end line ("[labd: exited with status 3]") or, from older logs,
                    // rootlesskit's report of its child's exit end the log: labd's plumbing, not
                    // the agent's last word.
                    break;
                }
                if (text.Length == 0)
                {
                    continue;
                }
                last = text;
                if (output == AgentKindConfig.ClaudeStreamJson && text.StartsWith('{'))
                {
                    error = ClaudeResult(text) ?? error;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return (error is null ? null : Printable(error), last is null ? null : Printable(last));
    }

    /// <summary>A result event that is an error: its <c>result</c> text, else its subtype (error_max_turns, ...).</summary>
    private static string? ClaudeResult(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "result")
            {
                return null;
            }
            var subtype = root.TryGetProperty("subtype", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            var isError = root.TryGetProperty("is_error", out var e) && e.ValueKind == JsonValueKind.True;
            if (!isError && subtype is null or "success")
            {
                return null;
            }
            return root.TryGetProperty("result", out var r) && r.ValueKind == JsonValueKind.String && r.GetString() is { Length: > 0 } result
                ? result
                : subtype ?? "error";
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Printable(string text)
    {
        var chars = text.Take(MaxReasonChars).Select(c => char.IsControl(c) ? ' ' : c).ToArray();
        return new string(chars) + (text.Length > MaxReasonChars ? "…" : "");
    }
}
