using System.CommandLine;
using Labctl.Output;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary><c>labctl plot [--metric M] [--png FILE]</c>: the progression of the best value so far.</summary>
internal static class PlotCommand
{
    public static Command Create(CliContext context)
    {
        var metric = new Option<string?>("--metric") { Description = "Metric to plot (default: the lab's primary metric)", HelpName = "M" };
        var png = new Option<string?>("--png") { Description = "Write a PNG chart to FILE instead of drawing in the terminal", HelpName = "FILE" };
        var lab = LabOption.Create();
        var command = new Command("plot", TrackerCli.Describe(
            "Chart every succeeded experiment's value and the best so far, in the order they ended",
            "labctl plot --metric loss", "labctl plot --metric accuracy --png progress.png")) { metric, png, lab };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            using var client = context.Connect(parseResult);
            var id = await LabOption.ResolveAsync(client, parseResult, lab, cancellationToken).ConfigureAwait(false);
            var response = await client.GetAsync(Routes.LabProgress(id, parseResult.GetValue(metric)), ProtocolJsonContext.Default.Progress, cancellationToken).ConfigureAwait(false);
            var progress = response.Value;
            if (await TrackerCli.UnknownMetricAsync(client, id, parseResult.GetValue(metric), progress.Points.Count > 0, cancellationToken).ConfigureAwait(false) is { } unknown)
            {
                return context.Fail(ExitCodes.Usage, unknown);
            }
            if (parseResult.GetValue(png) is { Length: > 0 } file)
            {
                try
                {
                    await File.WriteAllBytesAsync(file, PngChart.Render(progress.Points), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return context.Fail(ExitCodes.Failure, $"cannot write {file}: {e.Message} Give --png a path in a directory you can write, e.g. --png ./progress.png");
                }
                context.Console.Out.WriteLine(TerminalText.Line($"Wrote {file}: {progress.Metric} ({progress.Direction}), {progress.Points.Count} experiments"));
                return ExitCodes.Ok;
            }
            if (context.Format(parseResult) == OutputFormat.Json)
            {
                context.Console.Out.WriteLine(response.Body.TrimEnd('\n'));
                return ExitCodes.Ok;
            }
            var width = TerminalWidth();
            context.Console.Out.WriteLine(TerminalText.Line($"{progress.Metric} ({progress.Direction})"));
            context.Console.Out.Write(TerminalChart.Render(progress.Points, width, context.Console.UseColor));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static int TerminalWidth()
    {
        try
        {
            return Console.IsOutputRedirected || Console.WindowWidth <= 0 ? 80 : Math.Clamp(Console.WindowWidth, 40, 240);
        }
        catch (IOException)
        {
            return 80;
        }
    }
}
