using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Labctl.Client;
using Labctl.Output;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary><c>labctl events [-f] [--lab L] [--kind K] [--since ID] [--tail N]</c>: labd's event stream, what you may see of it.</summary>
internal static class EventsCommand
{
    private static readonly string[] Headers = ["ID", "TIME", "KIND", "LAB", "SUBJECT", "DETAIL"];

    /// <summary>Column widths while following (a table cannot be measured before its rows arrive); the last is free.</summary>
    private static readonly int[] FollowWidths = [7, 20, 16, 14, 16];

    public static Command Create(CliContext context)
    {
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing events as they happen, until Ctrl-C" };
        var lab = new Option<string?>("--lab") { Description = "Only this lab's events (default: every lab you may see)", HelpName = "L" };
        var kind = new Option<string[]>("--kind")
        {
            Description = "Only these kinds: a kind (exp.end) or a prefix (exp, agent.turn); repeat for more",
            HelpName = "K",
            AllowMultipleArgumentsPerToken = false,
        };
        var since = new Option<long?>("--since") { Description = "Start after this event id (an id printed before: resume without loss)", HelpName = "ID" };
        var tail = new Option<int?>("--tail") { Description = "How many past events to print first (default 100; with -f and no --tail, none)", HelpName = "N" };
        var command = new Command("events", """
            Print labd's events: experiments queued, started and ended (status, metrics, duration), ideas, notes, messages, tags, agent turns (outcome, cost, tokens), policy changes; yours only (admins: all)

            Examples:
              labctl events
              labctl events -f --kind exp.end
              labctl events --lab cifar --kind exp --kind note -o json
            """)
        { follow, lab, kind, since, tail };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            using var client = new LabdClient(context.Options.SocketPath(parseResult), Timeout.InfiniteTimeSpan);
            var following = parseResult.GetValue(follow);
            var route = Routes.EventsOf(parseResult.GetValue(lab), parseResult.GetValue(kind), parseResult.GetValue(since), parseResult.GetValue(tail), following);
            var json = context.Format(parseResult) == OutputFormat.Json;
            await using var events = await client.EventsAsync(route, cancellationToken).ConfigureAwait(false);
            var table = following || json ? null : new Table(Headers);
            if (following && !json)
            {
                context.Console.Out.WriteLine(Line(Headers));
            }
            while (await events.NextAsync().ConfigureAwait(false) is { } e)
            {
                if (json)
                {
                    context.Console.Out.WriteLine(JsonSerializer.Serialize(e, ProtocolJsonContext.Default.EventRecord));
                }
                else if (table is not null)
                {
                    table.Add(Cells(e));
                    continue;
                }
                else
                {
                    context.Console.Out.WriteLine(Line(Cells(e)));
                }
                await context.Console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            table?.Write(context.Console.Out, context.Console.UseColor);
            return ExitCodes.Ok;
        }));
        return command;
    }

    internal static string[] Cells(EventRecord e) =>
    [
        e.Id.ToString(CultureInfo.InvariantCulture),
        e.At.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        e.Kind,
        e.Lab ?? "",
        e.Subject ?? "",
        Detail(e.Data),
    ];

    /// <summary>The facts a person scans for, in this order, from the event's data; other data as compact JSON.</summary>
    internal static string Detail(JsonElement? data)
    {
        if (data is not { ValueKind: JsonValueKind.Object } d)
        {
            return data is { } other ? Shorten(other.GetRawText()) : "";
        }
        var parts = new List<string>();
        foreach (var name in (string[])["label", "title", "status", "outcome", "reason", "text", "exitCode"])
        {
            if (d.TryGetProperty(name, out var value) && value.ValueKind is not JsonValueKind.Null)
            {
                parts.Add(value.ValueKind == JsonValueKind.String ? value.GetString()! : name + "=" + value.GetRawText());
            }
        }
        if (d.TryGetProperty("metrics", out var metrics) && metrics.ValueKind == JsonValueKind.Object)
        {
            parts.AddRange(metrics.EnumerateObject().Select(m => m.Name + "=" + m.Value.GetRawText()));
        }
        if (d.TryGetProperty("durationSeconds", out var duration) && duration.ValueKind == JsonValueKind.Number)
        {
            parts.Add(Durations.Format(TimeSpan.FromSeconds(duration.GetDouble())));
        }
        if (d.TryGetProperty("gpus", out var gpus) && gpus.ValueKind == JsonValueKind.Array && gpus.GetArrayLength() > 0)
        {
            parts.Add("gpus " + string.Join(',', gpus.EnumerateArray().Select(g => g.GetRawText())));
        }
        return parts.Count > 0 ? Shorten(string.Join(' ', parts)) : Shorten(d.GetRawText());
    }

    private static string Line(string[] cells) =>
        string.Join("  ", cells.Select((c, i) => i < FollowWidths.Length ? TerminalText.Escape(c).PadRight(FollowWidths[i]) : TerminalText.Escape(c))).TrimEnd();

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..119] + "…";
}
