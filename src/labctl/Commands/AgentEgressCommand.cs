using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Labctl.Output;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary>
/// <c>labctl agent egress ID [--turn N]</c>: what one turn's sandbox tried to reach and what its
/// policy said (default the latest turn that ran), e.g. why the agent could not reach its model
/// API. <c>-o json</c>: the NDJSON as labd sent it.
/// </summary>
internal static class AgentEgressCommand
{
    public static Command Create(CliContext context)
    {
        var id = AgentCommand.IdArgument();
        var turn = new Option<int?>("--turn") { Description = "This turn's decisions (default: the latest turn that ran)", HelpName = "N" };
        var command = new Command("egress", TrackerCli.Describe(
            "Show a turn's network decisions: each host its sandbox tried, allowed or denied and by which rule",
            "labctl agent egress 7", "labctl agent egress 7 --turn 3")) { id, turn };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            using var client = context.Connect(parseResult);
            var text = new StringBuilder();
            var decoder = Encoding.UTF8.GetDecoder();
            await client.StreamAsync(Routes.AgentEgress(parseResult.GetValue(id), parseResult.GetValue(turn)), (bytes, _) =>
            {
                var chars = new char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
                text.Append(chars, 0, decoder.GetChars(bytes.Span, chars, flush: false));
                return Task.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
            if (context.Format(parseResult) == OutputFormat.Json)
            {
                await context.Console.Out.WriteAsync(text.ToString()).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            var table = new Table("TIME", "KIND", "HOST", "PORT", "DECISION", "REASON");
            var rows = 0;
            foreach (var line in text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                if (Decision(line) is not { } d)
                {
                    continue;
                }
                // A "dropped" line counts decisions labd did not log (rate limit or size cap).
                var verdict = d.Dropped is { } dropped
                    ? $"{dropped.ToString(CultureInfo.InvariantCulture)} not logged"
                    : d.Allowed ? "allowed" : "denied";
                table.AddColored(
                    [null, null, null, null, d.Dropped is not null ? Paint.Yellow : d.Allowed ? Paint.Green : Paint.Red, null],
                    TrackerCli.Time(d.Time), d.Kind, d.Host, d.Port.ToString(CultureInfo.InvariantCulture), verdict, d.Reason);
                rows++;
            }
            if (rows == 0)
            {
                context.Console.Out.WriteLine("No egress decisions: the turn's sandbox reached for no network (or its policy has none).");
                return ExitCodes.Ok;
            }
            table.Write(context.Console.Out, context.Console.UseColor);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static RunEgressDecision? Decision(string line)
    {
        try
        {
            return JsonSerializer.Deserialize(line, ProtocolJsonContext.Default.RunEgressDecision);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
