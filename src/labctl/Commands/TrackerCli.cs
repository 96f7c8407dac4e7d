using System.CommandLine;
using System.Globalization;
using System.Text.Json.Serialization.Metadata;
using Labctl.Client;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary>What the tracker's commands (lab, idea, note, tag, msg, search, orient, leaderboard, plot) share.</summary>
internal static class TrackerCli
{
    /// <summary>A one-line command description that ends with examples (one line keeps the parent's command list readable).</summary>
    public static string Describe(string what, params string[] examples) =>
        what + "; e.g. " + string.Join(" or ", examples.Select(e => "`" + e + "`"));

    /// <summary>GETs a document of the lab the command works on and prints it: labd's JSON verbatim with -o json, else <paramref name="render"/>.</summary>
    public static Task<int> GetAsync<T>(CliContext context, ParseResult parseResult, Option<string?> lab, Func<string, string> route, JsonTypeInfo<T> type, Action<T, TextWriter, bool> render, CancellationToken cancellationToken) =>
        context.RunAsync(async () =>
        {
            using var client = context.Connect(parseResult);
            var id = await LabOption.ResolveAsync(client, parseResult, lab, cancellationToken).ConfigureAwait(false);
            var response = await client.GetAsync(route(id), type, cancellationToken).ConfigureAwait(false);
            Print(context, parseResult, response, render);
            return ExitCodes.Ok;
        });

    /// <summary>POSTs to the lab the command works on and prints the answer.</summary>
    public static Task<int> PostAsync<TBody, T>(CliContext context, ParseResult parseResult, Option<string?> lab, Func<string, string> route, TBody body, JsonTypeInfo<TBody> bodyType, JsonTypeInfo<T> type, Action<T, TextWriter, bool> render, CancellationToken cancellationToken) =>
        context.RunAsync(async () =>
        {
            using var client = context.Connect(parseResult);
            var id = await LabOption.ResolveAsync(client, parseResult, lab, cancellationToken).ConfigureAwait(false);
            var response = await client.PostAsync(route(id), body, bodyType, type, cancellationToken).ConfigureAwait(false)
                ?? throw new LabdApiException("invalid-response", System.Net.HttpStatusCode.OK, "labd sent an empty answer");
            Print(context, parseResult, response, render);
            return ExitCodes.Ok;
        });

    public static void Print<T>(CliContext context, ParseResult parseResult, LabdResponse<T> response, Action<T, TextWriter, bool> render)
    {
        if (context.Format(parseResult) == OutputFormat.Json)
        {
            context.Console.Out.WriteLine(response.Body.TrimEnd('\n'));
            return;
        }
        render(response.Value, context.Console.Out, context.Console.UseColor);
    }

    public static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture);

    public static string Number(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

    public static string Number(double? value) => value is { } v ? Number(v) : "-";

    public static string Delta(double? value) => value is { } v ? (v > 0 ? "+" : "") + Number(v) : "-";

    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Counts(IReadOnlyDictionary<string, long> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{Int(c.Value)} {c.Key}"));

    public static string Short(string commit) => commit[..Math.Min(10, commit.Length)];

    /// <summary><c>--raw</c>: the output's bytes as written, control characters and all (else they print escaped, see <see cref="Output.TerminalText"/>).</summary>
    internal static Option<bool> RawOption() => new("--raw") { Description = "Print the output as written, escape sequences included (default: control characters print as \\x1b etc.; the output may be an agent's)" };

    /// <summary>
    /// labd ranks any metric name it is given, and a name nobody declared or reported simply has no
    /// values: an empty answer that hides a typo. Such a name is refused here, naming the lab's
    /// metrics. <paramref name="hasValues"/>: the answer already had values (no lookup needed).
    /// </summary>
    public static async Task<string?> UnknownMetricAsync(LabdClient client, string labId, string? metric, bool hasValues, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(metric) || hasValues)
        {
            return null;
        }
        var lab = (await client.GetAsync(Routes.Lab(labId), ProtocolJsonContext.Default.LabRecord, cancellationToken).ConfigureAwait(false)).Value;
        if (lab.Metrics.Any(m => m.Name == metric))
        {
            return null;
        }
        // Reported by some experiment without being declared: a metric all the same.
        var progress = await client.GetAsync(Routes.LabProgress(labId, metric), ProtocolJsonContext.Default.Progress, cancellationToken).ConfigureAwait(false);
        return progress.Value.Points.Count > 0
            ? null
            : $"--metric: lab {lab.Id} has no metric '{metric}'; its metrics: {LabCommand.Metrics(lab.Metrics)} (declare another with `labctl lab metric NAME max|min`)";
    }

    /// <summary>Parses <c>NAME:max</c> or <c>NAME:min</c>.</summary>
    public static LabMetric? ParseMetric(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0)
        {
            return null;
        }
        var direction = text[(colon + 1)..];
        return direction is LabMetric.Max or LabMetric.Min ? new LabMetric(text[..colon], direction) : null;
    }
}
