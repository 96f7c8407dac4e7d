using System.CommandLine;
using Labctl.Client;
using Labctl.Output;

namespace Labctl.Commands;

/// <summary>
/// <c>labctl exp run --idea N [--gpus K] [--timeout D] [--tag T]... [--meta k=v]... [--priority P]
/// [--allow-duplicate] [--wait] SCRIPT | -- CMD...</c>: snapshots the lab's working tree onto the
/// idea's branch and queues the command on that commit. A lone SCRIPT without <c>--</c> runs with
/// the interpreter its extension names; after <c>--</c> the words are the command as given.
/// 
/// </summary>
internal static class ExpRunCommand
{
    public static Command Create(CliContext context)
    {
        var lab = LabOption.Create();
        var idea = new Option<int>("--idea") { Description = "The idea this experiment belongs to", HelpName = "N", Required = true };
        var gpus = new Option<int?>("--gpus") { Description = "GPUs to lease (at most the lab policy's gpus:)", HelpName = "K" };
        var timeout = new Option<string>("--timeout") { Description = "Wall-clock limit: 90s, 30m, 2h, 1h30m", HelpName = "D" };
        var tags = new Option<string[]>("--tag") { Description = "Tag the experiment (repeatable), e.g. --tag baseline", HelpName = "T", AllowMultipleArgumentsPerToken = false };
        var meta = new Option<string[]>("--meta") { Description = "Record key=value (repeatable), e.g. --meta lr=0.1", HelpName = "K=V" };
        var priority = new Option<int?>("--priority") { Description = "Higher runs first (default 0)", HelpName = "P" };
        var allowDuplicate = new Option<bool>("--allow-duplicate") { Description = "Run even when the same commit, command and meta ran before" };
        var wait = new Option<bool>("--wait") { Description = "Wait for the end; exit 0 succeeded, 1 otherwise" };
        var argv = new Argument<string[]>("script") { HelpName = "SCRIPT|-- CMD ARGS...", Description = "SCRIPT (.py runs with python3, .sh with sh, else ./SCRIPT), or -- CMD ARGS... (CMD looked up on the sandbox's PATH; ./x.sh for a file)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("run", """
            Queue an experiment on a snapshot of the lab's working tree.

            Examples:
              labctl exp run --idea 3 train.py
              labctl exp run --idea 3 --gpus 1 --timeout 30m --tag baseline --meta lr=0.1 -- python3 train.py --lr 0.1
              labctl exp run --idea 3 -- ./train.sh

            Options go before the command; everything after -- is the command, word for word.
            """)
        { lab, idea, gpus, timeout, tags, meta, priority, allowDuplicate, wait, argv };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            long? seconds = null;
            if (parseResult.GetValue(timeout) is { } text)
            {
                seconds = RunCommand.ParseDuration(text);
                if (seconds is null or > int.MaxValue)
                {
                    return context.Fail(ExitCodes.Usage, $"--timeout '{text}' is not a duration; use e.g. 90s, 30m, 2h or 1h30m");
                }
            }
            var metaValues = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in parseResult.GetValue(meta) ?? [])
            {
                var eq = entry.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    return context.Fail(ExitCodes.Usage, $"--meta '{entry}' must be key=value, e.g. --meta lr=0.1");
                }
                metaValues[entry[..eq]] = entry[(eq + 1)..];
            }
            var request = ExperimentSubmission.Request(
                idea: parseResult.GetValue(idea),
                words: parseResult.GetValue(argv) ?? [],
                afterSeparator: UsageError.HasSeparator(parseResult),
                gpus: parseResult.GetValue(gpus),
                timeoutSeconds: (int?)seconds,
                tags: parseResult.GetValue(tags),
                meta: metaValues,
                priority: parseResult.GetValue(priority),
                allowDuplicate: parseResult.GetValue(allowDuplicate));
            using var client = context.Connect(parseResult, Timeout.InfiniteTimeSpan);
            var labId = await LabOption.ResolveAsync(client, parseResult, lab, cancellationToken).ConfigureAwait(false);
            var submitted = await client.SubmitExperimentAsync(labId, request, cancellationToken).ConfigureAwait(false);
            var json = context.Format(parseResult) == OutputFormat.Json;
            if (!parseResult.GetValue(wait))
            {
                context.Console.Out.WriteLine(json ? submitted.Body : TerminalText.Line($"{submitted.Value.Label} (id {submitted.Value.Id}) queued on {submitted.Value.Commit[..Math.Min(12, submitted.Value.Commit.Length)]}"));
                return ExitCodes.Ok;
            }
            context.Console.Error.WriteLine(TerminalText.Line($"labctl: {submitted.Value.Label} (id {submitted.Value.Id}) queued; waiting"));
            return await ExpCommand.WaitAsync(context, client, submitted.Value.Id, json, cancellationToken).ConfigureAwait(false);
        }));
        return command;
    }
}
