using System.Globalization;
using System.Text;
using System.Text.Json;
using Labd.Interop;
using Labd.Runs;

namespace Labd.Experiments;

/// <summary>
/// Final metrics and status from how a run ended. The metrics are the last non-empty line of
/// the run's stdout log when it starts with <c>{</c>: <c>{"metrics": {"name": number, ...}}</c>.
/// Only the last 64 KiB of the log are read, from a descriptor opened with O_NOFOLLOW.
/// </summary>
internal static partial class MetricsHarvest
{
    private static readonly byte[] LabdLinePrefix = Encoding.UTF8.GetBytes(RunEndText.LogPrefix);

    [System.Text.RegularExpressions.GeneratedRegex("\"([^\"\\\\]{1,64})\"\\s*:\\s*(-?NaN|-?Infinity)\\b")]
    private static partial System.Text.RegularExpressions.Regex NonFinite();

    public const int TailBytes = 64 * 1024;
    public const int MaxMetrics = 256;
    public const int MaxNameLength = 64;

    public static ExperimentEnd Harvest(RunExit exit, string logPath) => exit.Outcome switch
    {
        RunOutcome.TimedOut => new ExperimentEnd("timed_out", exit.Message ?? "the run exceeded its timeout", exit.ExitCode, null),
        RunOutcome.Cancelled => new ExperimentEnd("cancelled", exit.Message ?? "cancelled", exit.ExitCode, null),
        RunOutcome.SetupFailed or RunOutcome.Lost => new ExperimentEnd("failed", exit.Message ?? exit.Outcome.ToString(), exit.ExitCode, null),
        _ => FromExit(exit, logPath),
    };

    /// <summary>The reason a run that exited 0 without a metrics line records (it still succeeds).</summary>
    public const string NoMetricsLine = "no metrics: the last line of output was not a JSON object like {\"metrics\": {\"loss\": 0.25}}";

    private static ExperimentEnd FromExit(RunExit exit, string logPath)
    {
        var exitCode = exit.ExitCode;
        var (line, error) = LastLine(logPath);
        SortedDictionary<string, double>? metrics = null;
        if (error is null && line is not null && line.StartsWith('{'))
        {
            (metrics, error) = Parse(line);
        }
        if (error is not null)
        {
            return new ExperimentEnd("failed", error, exitCode, null);
        }
        return exitCode == 0
            ? new ExperimentEnd("succeeded", metrics is null ? (line is null ? "no metrics: the run printed nothing" : NoMetricsLine) : null, exitCode, metrics)
            : new ExperimentEnd("failed", exit.Message ?? string.Create(CultureInfo.InvariantCulture, $"exited with {exitCode?.ToString(CultureInfo.InvariantCulture) ?? "no code"}"), exitCode, metrics);
    }

    /// <summary>The last non-empty line of the log (without its newline), or why it cannot be read.</summary>
    public static (string? Line, string? Error) LastLine(string logPath)
    {
        if (!File.Exists(logPath))
        {
            return (null, null);
        }
        if (FileStatus.TypeOwnerLinks(logPath).Type != TreeOwnership.RegularType)
        {
            return (null, "the run's output log is not a regular file");
        }
        using var handle = OpenNoFollow.ReadOnly(logPath);
        var length = RandomAccess.GetLength(handle);
        if (length == 0)
        {
            return (null, null);
        }
        var start = Math.Max(0, length - TailBytes);
        var buffer = new byte[length - start];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = RandomAccess.Read(handle, buffer.AsSpan(read), start + read);
            if (n == 0)
            {
                break;
            }
            read += n;
        }
        var span = buffer.AsSpan(0, read);
        var end = span.Length;
        while (end > 0 && (span[end - 1] == (byte)'\n' || span[end - 1] == (byte)'\r' || span[end - 1] == (byte)' ' || span[end - 1] == (byte)'\t'))
        {
            end--;
        }
        if (end == 0)
        {
            return (null, null);
        }
        var newline = span[..end].LastIndexOf((byte)'\n');
        // labd's own end line ("[labd: exited with status 3]") follows the target's output.
        if (span[(newline + 1)..end].StartsWith(LabdLinePrefix) && newline > 0)
        {
            end = newline;
            newline = span[..end].LastIndexOf((byte)'\n');
        }
        if (newline < 0 && start > 0)
        {
            return (null, "metrics line longer than 64 KiB: the last line of stdout must be at most 64 KiB");
        }
        return (Encoding.UTF8.GetString(span[(newline + 1)..end]), null);
    }

    /// <summary>Parses <c>{"metrics": {...}}</c>; the error names what is wrong.</summary>
    public static (SortedDictionary<string, double>? Metrics, string? Error) Parse(string line)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            // JSON has no NaN or Infinity; Python's json.dumps writes them anyway.
            return NonFinite().Match(line) is { Success: true } m
                ? (null, $"metric '{Printable(m.Groups[1].Value)}' is {m.Groups[2].Value}, which JSON cannot carry: report finite numbers only (leave the metric out when it has no value)")
                : (null, $"metrics line is not valid JSON: {e.Message}");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("metrics", out var metrics)
                || metrics.ValueKind != JsonValueKind.Object)
            {
                return (null, "metrics line must be {\"metrics\": {\"name\": number, ...}}");
            }
            var result = new SortedDictionary<string, double>(StringComparer.Ordinal);
            foreach (var metric in metrics.EnumerateObject())
            {
                if (metric.Name.Length is 0 or > MaxNameLength || metric.Name.Any(char.IsControl))
                {
                    return (null, $"metric name '{Printable(metric.Name)}' must be 1 to {MaxNameLength} characters without control characters");
                }
                if (metric.Value.ValueKind != JsonValueKind.Number || !metric.Value.TryGetDouble(out var value) || !double.IsFinite(value))
                {
                    return (null, $"metric '{Printable(metric.Name)}' is not a number");
                }
                if (!result.TryAdd(metric.Name, value))
                {
                    return (null, $"metric '{Printable(metric.Name)}' appears twice");
                }
                if (result.Count > MaxMetrics)
                {
                    return (null, $"more than {MaxMetrics} metrics");
                }
            }
            return (result, null);
        }
    }

    private static string Printable(string name) =>
        new([.. name.Take(MaxNameLength).Select(c => char.IsControl(c) ? '?' : c)]);
}
