using System.CommandLine;
using Labctl.Output;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary><c>labctl orient</c>: the one call an agent starts each turn with.</summary>
internal static class OrientCommand
{
    public static Command Create(CliContext context)
    {
        var lab = LabOption.Create();
        var command = new Command("orient", TrackerCli.Describe(
            "Where the lab stands: active ideas, running and queued experiments, the best result, failures since your last orient, unread messages (marked read), suggested ideas, and an agent's remaining budget",
            "labctl orient", "labctl orient -o json")) { lab };
        command.SetAction((parseResult, cancellationToken) => TrackerCli.GetAsync(context, parseResult, lab, Routes.LabOrient, ProtocolJsonContext.Default.Orientation, Render, cancellationToken));
        return command;
    }

    public static void Render(Orientation o, TextWriter output, bool color)
    {
        output.WriteLine(TerminalText.Line($"Lab {o.Lab}: {o.Metric} ({o.Direction})"));
        output.WriteLine(o.Best is { } best
            ? TerminalText.Line($"Best: {best.Label} (idea {best.Idea}) {o.Metric}={TrackerCli.Number(best.Value)} Δbaseline {TrackerCli.Delta(best.DeltaBaseline)} at {TrackerCli.Short(best.Commit)}")
            : "Best: no succeeded experiment yet");
        Section(output, "Active ideas", o.Active.Select(i => TerminalText.Line($"#{i.Number} {i.Title} (best {TrackerCli.Number(i.Best)})")));
        Section(output, "Running", o.Running.Select(e => TerminalText.Line($"{e.Label} since {(e.StartedAt is { } s ? TrackerCli.Time(s) : "?")}")));
        Section(output, "Queued", o.Queued.Select(e => TerminalText.Line($"{e.Label} since {TrackerCli.Time(e.CreatedAt)}")));
        Section(output, "Failures since your last orient", o.Failures.Select(e => TerminalText.Line($"{e.Label} {e.Status}{(e.Reason is { } r ? ": " + r.ReplaceLineEndings(" ") : "")}")));
        Section(output, "Unread messages", o.Unread.Select(m => TerminalText.Line($"[{m.Sender} → {m.Recipient}] {m.Text.ReplaceLineEndings(" ")}")));
        Section(output, "Suggested ideas", o.Suggested.Select(i => TerminalText.Line($"#{i.Number} {i.Title}")));
        if (o.Budget is { } b)
        {
            Section(output, "Budget", [
                $"agent {TrackerCli.Int(b.Agent)}, turn {TrackerCli.Int(b.Turn)}",
                "turns left: " + (b.TurnsLeft is { } turns ? TrackerCli.Int(turns) : "no limit"),
                $"cost so far: ${b.CostUsd.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)}, left: " + (b.UsdLeft is { } usd ? "$" + usd.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) : "no limit"),
                "until: " + (b.Until is { } until ? TrackerCli.Time(until) : "no limit"),
            ]);
        }
    }

    private static void Section(TextWriter output, string title, IEnumerable<string> lines)
    {
        var items = lines.ToList();
        output.WriteLine(items.Count == 0 ? $"{title}: none" : $"{title}:");
        foreach (var line in items)
        {
            output.WriteLine("  " + line);
        }
    }
}
