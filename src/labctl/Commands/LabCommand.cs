using System.CommandLine;
using Labctl.Output;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary><c>labctl lab init|ls|show|rm|metric|set-policy</c>: register git repositories as labs and manage them.</summary>
internal static class LabCommand
{
    public static Command Create(CliContext context)
    {
        var lab = new Command("lab", "Register git repositories as labs, list, show and remove them");
        lab.Subcommands.Add(Init(context));
        lab.Subcommands.Add(List(context));
        lab.Subcommands.Add(Show(context));
        lab.Subcommands.Add(Remove(context));
        lab.Subcommands.Add(Metric(context));
        lab.Subcommands.Add(LabSetPolicyCommand.Create(context));
        return lab;
    }

    private static Command Init(CliContext context)
    {
        var path = new Argument<string>("PATH") { Description = "The repository's top-level directory (default: .)", Arity = ArgumentArity.ZeroOrOne, DefaultValueFactory = _ => "." };
        var policy = new Option<string?>("--policy") { Description = "Policy experiments run under (default: default)", HelpName = "NAME" };
        var name = new Option<string?>("--name") { Description = "Lab name (default: the directory's name, slugified)", HelpName = "N" };
        var metrics = new Option<string[]>("--metric") { Description = "A metric and its direction, NAME:max or NAME:min (repeatable; the first is primary; default score:max)", HelpName = "NAME:DIR" };
        var commit = new Option<bool>("--commit") { Description = "Commit PROMPT.md (git add + git commit, as you) if it is new or changed: agents read it from the main branch's tip" };
        var command = new Command("init", TrackerCli.Describe(
            "Register a git repository you own as a lab; writes PROMPT.md there if missing",
            "labctl lab init ~/cifar --metric accuracy:max --metric loss:min")) { path, policy, name, metrics, commit };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            var parsed = new List<LabMetric>();
            foreach (var text in parseResult.GetValue(metrics) ?? [])
            {
                if (TrackerCli.ParseMetric(text) is not { } metric)
                {
                    return context.Fail(ExitCodes.Usage, $"--metric '{text}' is not NAME:max or NAME:min, e.g. --metric loss:min");
                }
                parsed.Add(metric);
            }
            var request = new LabInitRequest(Path.GetFullPath(parseResult.GetValue(path) ?? "."), parseResult.GetValue(policy), parseResult.GetValue(name), parsed.Count == 0 ? null : parsed);
            using var client = context.Connect(parseResult);
            var response = await client.PostAsync(Routes.Labs, request, ProtocolJsonContext.Default.LabInitRequest, ProtocolJsonContext.Default.LabRecord, cancellationToken).ConfigureAwait(false);
            (bool Failed, string Message)? committed = parseResult.GetValue(commit) ? await PromptCommit.RunAsync(response!.Value.Path, cancellationToken).ConfigureAwait(false) : null;
            TrackerCli.Print(context, parseResult, response!, (lab, output, _) =>
            {
                output.WriteLine(TerminalText.Line($"Registered lab {lab.Id} at {lab.Path} (owner uid {lab.OwnerUid}, policy {lab.Policy}, main branch {lab.MainBranch})"));
                output.WriteLine("Metrics: " + TerminalText.Escape(Metrics(lab.Metrics)) + (lab.DefaultMetrics == true ? " — the default; add others with `labctl lab metric NAME max|min`" : ""));
                output.WriteLine(lab.PromptCreated == true
                    ? "Wrote PROMPT.md: fill in the research goal."
                    : "PROMPT.md already exists; left as it is.");
                output.WriteLine(committed?.Message
                    ?? $"Agents read PROMPT.md from {lab.MainBranch}'s tip, not the working tree: once it says what to do, `{PromptCommit.Command(lab.Path)}`");
            });
            return committed is { Failed: true } ? ExitCodes.Failure : ExitCodes.Ok;
        }));
        return command;
    }

    private static Command List(CliContext context)
    {
        var command = new Command("ls", TrackerCli.Describe("List your labs (admins: all)", "labctl lab ls"));
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            using var client = context.Connect(parseResult);
            var response = await client.GetAsync(Routes.Labs, ProtocolJsonContext.Default.IReadOnlyListLabRecord, cancellationToken).ConfigureAwait(false);
            TrackerCli.Print(context, parseResult, response, (labs, output, color) =>
            {
                var table = new Table("NAME", "PATH", "OWNER", "POLICY", "METRICS");
                foreach (var lab in labs)
                {
                    table.Add(lab.Id, lab.Path, TrackerCli.Int(lab.OwnerUid), lab.Policy, Metrics(lab.Metrics));
                }
                table.Write(output, color);
            });
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Show(CliContext context)
    {
        var name = new Argument<string?>("NAME") { Description = "Lab name (default: the lab containing the current directory)", Arity = ArgumentArity.ZeroOrOne };
        var lab = LabOption.Create();
        var command = new Command("show", TrackerCli.Describe("Show a lab: path, owner, policy, main branch, metrics, ideas and experiments by status", "labctl lab show cifar")) { name, lab };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            using var client = context.Connect(parseResult);
            var id = parseResult.GetValue(name) ?? await LabOption.ResolveAsync(client, parseResult, lab, cancellationToken).ConfigureAwait(false);
            var response = await client.GetAsync(Routes.Lab(id), ProtocolJsonContext.Default.LabRecord, cancellationToken).ConfigureAwait(false);
            TrackerCli.Print(context, parseResult, response, (record, output, color) => new KeyValueList()
                .Add("Lab", record.Id)
                .Add("Path", record.Path)
                .Add("Owner", "uid " + TrackerCli.Int(record.OwnerUid))
                .Add("Policy", record.Policy)
                .Add("Main branch", record.MainBranch)
                .Add("Metrics", Metrics(record.Metrics))
                .Add("Ideas", TrackerCli.Counts(record.Counts?.Ideas ?? new Dictionary<string, long>()))
                .Add("Experiments", TrackerCli.Counts(record.Counts?.Experiments ?? new Dictionary<string, long>()))
                .Add("Created", TrackerCli.Time(record.CreatedAt))
                .Write(output, color));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Remove(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "Lab name" };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation (required without a terminal)" };
        var command = new Command("rm", TrackerCli.Describe(
            "Forget a lab: labd deletes its ideas, experiments, notes and messages and its own directory; the repository and its branches stay",
            "labctl lab rm cifar --yes")) { name, yes };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            var id = parseResult.GetValue(name)!;
            if (!parseResult.GetValue(yes))
            {
                if (Console.IsInputRedirected)
                {
                    return context.Fail(ExitCodes.Usage, $"lab rm asks for confirmation and there is no terminal; pass --yes to remove lab {id}");
                }
                context.Console.Out.Write($"Remove lab {id}? labd forgets its ideas, experiments, notes and messages; the repository and its branches stay. [y/N] ");
                context.Console.Out.Flush();
                if (Console.ReadLine()?.Trim().ToLowerInvariant() is not ("y" or "yes"))
                {
                    context.Console.Out.WriteLine("Nothing removed.");
                    return ExitCodes.Failure;
                }
            }
            using var client = context.Connect(parseResult);
            await client.DeleteAsync(Routes.Lab(id), cancellationToken).ConfigureAwait(false);
            if (context.Format(parseResult) == OutputFormat.Json)
            {
                context.Console.Out.WriteLine($"{{\"removed\":\"{id}\"}}");
            }
            else
            {
                context.Console.Out.WriteLine($"Removed lab {id}; the repository and its branches are untouched.");
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Metric(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "Metric name, as experiments report it" };
        var direction = new Argument<string>("DIRECTION") { Description = "max (higher is better) or min (lower is better)" };
        direction.AcceptOnlyFromAmong(LabMetric.Max, LabMetric.Min);
        var lab = LabOption.Create();
        var command = new Command("metric", TrackerCli.Describe("Add a metric to a lab or change its direction", "labctl lab metric loss min --lab cifar")) { name, direction, lab };
        command.SetAction((parseResult, cancellationToken) => TrackerCli.PostAsync(context, parseResult, lab, Routes.LabMetrics,
            new LabMetricRequest(parseResult.GetValue(name)!, parseResult.GetValue(direction)!), ProtocolJsonContext.Default.LabMetricRequest, ProtocolJsonContext.Default.LabRecord,
            (record, output, _) => output.WriteLine(TerminalText.Line($"Lab {record.Id} metrics: {Metrics(record.Metrics)}")), cancellationToken));
        return command;
    }

    public static string Metrics(IReadOnlyList<LabMetric> metrics) => string.Join(", ", metrics.Select(m => $"{m.Name} ({m.Direction})"));
}
