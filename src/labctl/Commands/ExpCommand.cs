using System.CommandLine;
using System.Globalization;
using Labctl.Client;
using Labctl.Output;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary><c>labctl exp run|ls|show|logs|metrics|cancel|wait</c>: experiments of your labs.</summary>
internal static class ExpCommand
{
    public static Command Create(CliContext context)
    {
        var exp = new Command("exp", "Queue, list, follow, wait for and cancel experiments");
        exp.Subcommands.Add(ExpRunCommand.Create(context));
        exp.Subcommands.Add(List(context));
        exp.Subcommands.Add(Show(context));
        exp.Subcommands.Add(Logs(context));
        exp.Subcommands.Add(Metrics(context));
        exp.Subcommands.Add(Cancel(context));
        exp.Subcommands.Add(Wait(context));
        return exp;
    }

    /// <summary>Waits for the end (at most <paramref name="limit"/>); prints the record; exit 0 succeeded,
    /// 1 failed, cancelled or timed out, <see cref="ExitCodes.TimedOut"/> when it is still queued or running at the limit.</summary>
    internal static async Task<int> WaitAsync(CliContext context, LabdClient client, long id, bool json, CancellationToken cancellationToken, TimeSpan? limit = null)
    {
        LabdResponse<ExperimentRecord> record;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (limit is { } span)
        {
            deadline.CancelAfter(span);
        }
        try
        {
            record = await client.GetAsync(Routes.ExperimentWait(id), ProtocolJsonContext.Default.ExperimentRecord, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The limit, not the user: the experiment as it is now, and "still going" as its own exit code.
            record = await client.GetAsync(Routes.Experiment(id), ProtocolJsonContext.Default.ExperimentRecord, cancellationToken).ConfigureAwait(false);
        }
        return Ended(context, record, json);
    }

    /// <summary>Prints an experiment waited for; its exit code: 0 succeeded, 1 failed, cancelled or timed out,
    /// <see cref="ExitCodes.TimedOut"/> still queued or running.</summary>
    private static int Ended(CliContext context, LabdResponse<ExperimentRecord> record, bool json)
    {
        if (json)
        {
            context.Console.Out.WriteLine(record.Body);
        }
        else
        {
            Describe(record.Value).Write(context.Console.Out, context.Console.UseColor);
        }
        return record.Value.Status switch
        {
            ExperimentRecord.Succeeded => ExitCodes.Ok,
            ExperimentRecord.Queued or ExperimentRecord.Running => ExitCodes.TimedOut,
            _ => ExitCodes.Failure,
        };
    }

    private static Command List(CliContext context)
    {
        var lab = LabOption.Create();
        var idea = new Option<int?>("--idea") { Description = "Only this idea's experiments", HelpName = "N" };
        var status = new Option<string?>("--status") { Description = "queued, running, succeeded, failed, cancelled or timed_out", HelpName = "S" };
        var tag = new Option<string?>("--tag") { Description = "Only experiments with this tag", HelpName = "T" };
        var command = new Command("ls", "List a lab's experiments, newest first (e.g. labctl exp ls --idea 3 --status failed)") { lab, idea, status, tag };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            using var client = context.Connect(parseResult);
            var labId = await LabOption.ResolveAsync(client, parseResult, lab, cancellationToken).ConfigureAwait(false);
            var query = new List<string>();
            if (parseResult.GetValue(idea) is { } n)
            {
                query.Add("idea=" + n.ToString(CultureInfo.InvariantCulture));
            }
            if (parseResult.GetValue(status) is { } s)
            {
                query.Add("status=" + Uri.EscapeDataString(s));
            }
            if (parseResult.GetValue(tag) is { } t)
            {
                query.Add("tag=" + Uri.EscapeDataString(t));
            }
            var route = Routes.LabExperiments(labId) + (query.Count > 0 ? "?" + string.Join('&', query) : "");
            var response = await client.GetAsync(route, ProtocolJsonContext.Default.IReadOnlyListExperimentRecord, cancellationToken).ConfigureAwait(false);
            if (context.Format(parseResult) == OutputFormat.Json)
            {
                context.Console.Out.WriteLine(response.Body);
                return ExitCodes.Ok;
            }
            var table = new Table("ID", "LABEL", "STATUS", "GPUS", "METRICS", "TAGS", "COMMAND");
            foreach (var e in response.Value)
            {
                table.Add(e.Id.ToString(CultureInfo.InvariantCulture), e.Label, e.Status, e.Gpus.ToString(CultureInfo.InvariantCulture), MetricsText(e), string.Join(',', e.Tags), string.Join(' ', e.Command));
            }
            table.Write(context.Console.Out, context.Console.UseColor);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Show(CliContext context)
    {
        var lab = LabOption.Create();
        var id = IdArgument();
        var command = new Command("show", "Show one experiment, by id or label (labctl exp show exp/3.2)") { lab, id };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            using var client = context.Connect(parseResult);
            var number = await ResolveAsync(client, parseResult, lab, parseResult.GetValue(id)!, cancellationToken).ConfigureAwait(false);
            var response = await client.GetAsync(Routes.Experiment(number), ProtocolJsonContext.Default.ExperimentRecord, cancellationToken).ConfigureAwait(false);
            if (context.Format(parseResult) == OutputFormat.Json)
            {
                context.Console.Out.WriteLine(response.Body);
                return ExitCodes.Ok;
            }
            Describe(response.Value).Write(context.Console.Out, context.Console.UseColor);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Logs(CliContext context)
    {
        var lab = LabOption.Create();
        var id = IdArgument();
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing as the experiment writes, until it ends" };
        var raw = TrackerCli.RawOption();
        var command = new Command("logs", "Print an experiment's output (labctl exp logs -f exp/3.2)") { lab, id, follow, raw };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            using var client = new LabdClient(context.Options.SocketPath(parseResult), Timeout.InfiniteTimeSpan);
            var number = await ResolveAsync(client, parseResult, lab, parseResult.GetValue(id)!, cancellationToken).ConfigureAwait(false);
            await OutputStream.CopyAsync(context, client, Routes.ExperimentLogs(number, parseResult.GetValue(follow)), parseResult.GetValue(raw), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Metrics(CliContext context)
    {
        var lab = LabOption.Create();
        var id = IdArgument();
        var command = new Command("metrics", "Print the per-step metrics (JSONL) an experiment appended to $LAB_METRICS so far") { lab, id };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            using var client = context.Connect(parseResult);
            var number = await ResolveAsync(client, parseResult, lab, parseResult.GetValue(id)!, cancellationToken).ConfigureAwait(false);
            await OutputStream.CopyAsync(context, client, Routes.ExperimentMetrics(number), raw: false, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Cancel(CliContext context)
    {
        var lab = LabOption.Create();
        var id = IdArgument();
        var command = new Command("cancel", "Cancel an experiment: a queued one at once, a running one with SIGTERM, grace, SIGKILL") { lab, id };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            using var client = context.Connect(parseResult);
            var number = await ResolveAsync(client, parseResult, lab, parseResult.GetValue(id)!, cancellationToken).ConfigureAwait(false);
            return await ExpCancel.RunAsync(context, client, number, context.Format(parseResult) == OutputFormat.Json, cancellationToken).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command Wait(CliContext context)
    {
        var lab = LabOption.Create();
        var id = new Argument<string?>("experiment")
        {
            Description = "Experiment id, or label exp/IDEA.SEQ (in the lab of --lab or the current directory); leave out with --any",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var any = new Option<bool>("--any") { Description = "Wait for whichever of your experiments (in --lab, if given) ends next" };
        var timeout = new Option<string?>("--timeout")
        {
            Description = "Wait at most this long (90s, 2m); still queued or running then: print it as it is and exit 124, so a caller can wait again",
            HelpName = "D",
        };
        var command = new Command("wait", """
            Wait until an experiment ends (any time, any number of times); exit 0 succeeded, 1 failed, cancelled or timed out, 124 still running after --timeout

            Examples:
              labctl exp wait exp/3.2
              labctl exp wait --timeout 100s exp/3.2
              labctl exp wait --any --timeout 100s
            """)
        { lab, id, any, timeout };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            TimeSpan? limit = null;
            if (parseResult.GetValue(timeout) is { } text)
            {
                if (AgentTimes.Seconds(text) is not { } seconds)
                {
                    return context.Fail(ExitCodes.Usage, $"--timeout '{text}' is not a duration; use e.g. 100s, 5m or 1h");
                }
                limit = TimeSpan.FromSeconds(seconds);
            }
            var named = parseResult.GetValue(id);
            if (parseResult.GetValue(any) == (named is not null))
            {
                return context.Fail(ExitCodes.Usage, named is null
                    ? "name the experiment to wait for (labctl exp wait exp/3.2), or wait for any with --any"
                    : "give an experiment or --any, not both");
            }
            using var client = new LabdClient(context.Options.SocketPath(parseResult), Timeout.InfiniteTimeSpan);
            var json = context.Format(parseResult) == OutputFormat.Json;
            if (named is null)
            {
                return await WaitAnyAsync(context, client, parseResult.GetValue(lab), json, limit, cancellationToken).ConfigureAwait(false);
            }
            var number = await ResolveAsync(client, parseResult, lab, named, cancellationToken).ConfigureAwait(false);
            return await WaitAsync(context, client, number, json, cancellationToken, limit).ConfigureAwait(false);
        }));
        return command;
    }

    private static async Task<int> WaitAnyAsync(CliContext context, LabdClient client, string? lab, bool json, TimeSpan? limit, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (limit is { } span)
        {
            deadline.CancelAfter(span);
        }
        try
        {
            return await ExperimentEnds.NextAsync(client, lab, deadline.Token).ConfigureAwait(false) is { } ended
                ? Ended(context, ended, json)
                : context.Fail(ExitCodes.NotFound, $"none of your experiments{(lab is null ? "" : " in lab " + lab)} is queued or running; nothing to wait for (see `labctl exp ls`)");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return context.Fail(ExitCodes.TimedOut, $"none of your experiments ended within {limit!.Value.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s; wait again");
        }
    }

    private static Argument<string> IdArgument() => new("experiment") { Description = "Experiment id, or label exp/IDEA.SEQ (in the lab of --lab or the current directory)" };

    /// <summary>A numeric id as is; a label (exp/3.2 or 3.2) through the lab.</summary>
    private static async Task<long> ResolveAsync(LabdClient client, ParseResult parseResult, Option<string?> lab, string text, CancellationToken cancellationToken)
    {
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return id;
        }
        var labId = await LabOption.ResolveAsync(client, parseResult, lab, cancellationToken).ConfigureAwait(false);
        return await client.ExperimentIdAsync(labId, text, cancellationToken).ConfigureAwait(false);
    }

    private static KeyValueList Describe(ExperimentRecord e) => new KeyValueList()
        .Add("Experiment", $"{e.Label} (id {e.Id}) in lab {e.Lab}")
        .Add("Status", e.Status + (e.ExitCode is { } code ? string.Create(CultureInfo.InvariantCulture, $" (exit {code})") : ""))
        .Add("Reason", e.Reason ?? "")
        .Add("Metrics", MetricsText(e))
        .Add("Command", string.Join(' ', e.Command))
        .Add("Commit", e.Commit)
        .Add("GPUs", e.GpuIds is { } ids ? string.Join(',', ids) : e.Gpus.ToString(CultureInfo.InvariantCulture))
        .Add("Tags", string.Join(", ", e.Tags))
        .Add("Meta", string.Join(", ", e.Meta.Select(m => m.Key + "=" + m.Value)))
        .Add("Submitter", e.Submitter)
        .Add("Created", Time(e.CreatedAt))
        .Add("Started", e.StartedAt is { } s ? Time(s) : "")
        .Add("Ended", e.EndedAt is { } x ? Time(x) : "");

    private static string MetricsText(ExperimentRecord e) =>
        e.Metrics is { Count: > 0 } m ? string.Join(' ', m.Select(kv => kv.Key + "=" + kv.Value.ToString("G6", CultureInfo.InvariantCulture))) : "";

    private static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
