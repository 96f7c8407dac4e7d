using System.CommandLine;
using System.Globalization;
using Labctl.Output;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary><c>labctl runs ls|show|logs|cancel</c>: your runs (admins: everyone's).</summary>
internal static class RunsCommand
{
    public static Command Create(CliContext context)
    {
        var runs = new Command("runs", "List, inspect, follow and cancel sandboxed runs");
        runs.Subcommands.Add(List(context));
        runs.Subcommands.Add(Show(context));
        runs.Subcommands.Add(Logs(context));
        runs.Subcommands.Add(Cancel(context));
        return runs;
    }

    private static Command List(CliContext context)
    {
        var command = new Command("ls", "List runs, newest first");
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            using var client = context.Connect(parseResult);
            var response = await client.GetAsync(Routes.Runs, ProtocolJsonContext.Default.IReadOnlyListRunRecord, cancellationToken).ConfigureAwait(false);
            if (context.Format(parseResult) == OutputFormat.Json)
            {
                context.Console.Out.WriteLine(response.Body);
                return ExitCodes.Ok;
            }
            var table = new Table("ID", "CREATED", "POLICY", "STATUS", "EXIT", "COMMAND");
            foreach (var run in response.Value)
            {
                table.Add(run.Id, Time(run.CreatedAt), run.Policy, run.Outcome ?? run.Status, run.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "", string.Join(' ', run.Command));
            }
            table.Write(context.Console.Out, context.Console.UseColor);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Show(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "Run id" };
        var command = new Command("show", "Show one run") { id };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            using var client = context.Connect(parseResult);
            var response = await client.GetAsync(Routes.Run(parseResult.GetValue(id)!), ProtocolJsonContext.Default.RunRecord, cancellationToken).ConfigureAwait(false);
            if (context.Format(parseResult) == OutputFormat.Json)
            {
                context.Console.Out.WriteLine(response.Body);
                return ExitCodes.Ok;
            }
            var run = response.Value;
            new KeyValueList()
                .Add("Run", run.Id)
                .Add("Command", string.Join(' ', run.Command))
                .Add("Directory", run.WorkingDirectory)
                .Add("Policy", $"{run.Policy} ({run.PolicyHash[..Math.Min(12, run.PolicyHash.Length)]})")
                .Add("Started by", string.Create(CultureInfo.InvariantCulture, $"uid {run.CallerUid} ({run.CallerKind})"))
                .Add("Created", Time(run.CreatedAt))
                .Add("Status", run.Outcome is null ? run.Status : $"{run.Outcome}{(run.ExitCode is { } code ? string.Create(CultureInfo.InvariantCulture, $" ({code})") : "")}")
                .Add("Message", run.Message ?? "")
                .Write(context.Console.Out, context.Console.UseColor);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Logs(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "Run id" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing as the run writes, until it ends" };
        var raw = TrackerCli.RawOption();
        var command = new Command("logs", "Print a run's output") { id, follow, raw };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            using var client = context.Connect(parseResult, Timeout.InfiniteTimeSpan);
            await OutputStream.CopyAsync(context, client, Routes.RunLogs(parseResult.GetValue(id)!, parseResult.GetValue(follow)), parseResult.GetValue(raw), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Cancel(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "Run id" };
        var command = new Command("cancel", "Cancel a run: SIGTERM, a grace period, then SIGKILL of the whole sandbox") { id };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            using var client = context.Connect(parseResult);
            await client.PostAsync<RunStartRequest, RunRecord>(Routes.RunCancel(parseResult.GetValue(id)!), null, ProtocolJsonContext.Default.RunStartRequest, ProtocolJsonContext.Default.RunRecord, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
