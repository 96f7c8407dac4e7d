using System.CommandLine;
using Labctl.Output;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary><c>labctl leaderboard</c>: succeeded experiments ranked by a metric, with deltas vs parent idea and baseline.</summary>
internal static class LeaderboardCommand
{
    public static Command Create(CliContext context)
    {
        var metric = new Option<string?>("--metric") { Description = "Metric to rank by (default: the lab's primary metric)", HelpName = "M" };
        var tag = new Option<string?>("--tag") { Description = "Only experiments with this tag", HelpName = "T" };
        var limit = new Option<int?>("--limit") { Description = "At most this many rows (default 20)", HelpName = "N" };
        var idea = new Option<int?>("--idea") { Description = "Only experiments of this idea", HelpName = "N" };
        var lab = LabOption.Create();
        var command = new Command("leaderboard", TrackerCli.Describe(
            "Rank succeeded experiments by a metric in its direction; Δ parent: vs the best of the parent ideas (root ideas: vs baseline); Δ baseline: vs the best experiment tagged baseline",
            "labctl leaderboard --metric loss --limit 10")) { metric, tag, limit, idea, lab };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            using var client = context.Connect(parseResult);
            var id = await LabOption.ResolveAsync(client, parseResult, lab, cancellationToken).ConfigureAwait(false);
            var name = parseResult.GetValue(metric);
            var response = await client.GetAsync(Routes.LabLeaderboard(id, name, parseResult.GetValue(tag), parseResult.GetValue(limit), parseResult.GetValue(idea)), ProtocolJsonContext.Default.Leaderboard, cancellationToken).ConfigureAwait(false);
            if (await TrackerCli.UnknownMetricAsync(client, id, name, response.Value.Entries.Count > 0, cancellationToken).ConfigureAwait(false) is { } unknown)
            {
                return context.Fail(ExitCodes.Usage, unknown);
            }
            TrackerCli.Print(context, parseResult, response, Render);
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static void Render(Leaderboard board, TextWriter output, bool color)
    {
        output.WriteLine(TerminalText.Line($"{board.Metric} ({(board.Direction == LabMetric.Min ? "lower is better" : "higher is better")}), baseline {TrackerCli.Number(board.Baseline)}"));
        var table = new Table("RANK", "LABEL", "IDEA", board.Metric.ToUpperInvariant(), "Δ PARENT", "Δ BASELINE", "TAGS", "COMMIT");
        foreach (var e in board.Entries)
        {
            table.Add(TrackerCli.Int(e.Rank), e.Label, TrackerCli.Int(e.Idea), TrackerCli.Number(e.Value), TrackerCli.Delta(e.DeltaParent), TrackerCli.Delta(e.DeltaBaseline),
                e.Tags.Count == 0 ? "-" : string.Join(',', e.Tags), TrackerCli.Short(e.Commit));
        }
        table.Write(output, color);
    }
}
