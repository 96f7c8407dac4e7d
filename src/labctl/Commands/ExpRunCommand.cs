using System.CommandLine;
using Labctl.Client;
using Labctl.Output;
using Labd.Protocol;

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
            var request = new ExperimentSubmitRequest(
                parseResult.GetValue(idea),
                CommandOf(parseResult.GetValue(argv) ?? [], UsageError.HasSeparator(parseResult)),
                Directory.GetCurrentDirectory(),
                parseResult.GetValue(gpus),
                (int?)seconds,
                parseResult.GetValue(tags) ?? [],
                metaValues,
                parseResult.GetValue(priority),
                parseResult.GetValue(allowDuplicate));
            using var client = context.Connect(parseResult, Timeout.InfiniteTimeSpan);
            var labId = await LabOption.ResolveAsync(client, parseResult, lab, cancellationToken).ConfigureAwait(false);
            var submitted = await client.PostAsync(Routes.LabExperiments(labId), request, ProtocolJsonContext.Default.ExperimentSubmitRequest, ProtocolJsonContext.Default.ExperimentRecord, cancellationToken).ConfigureAwait(false)
                ?? throw new LabdApiException("invalid-response", System.Net.HttpStatusCode.Created, "labd queued an experiment but sent no record");
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

    /// <summary>
    /// After <c>--</c>: the words as given (<c>-- true</c> runs <c>true</c> from PATH). Without it, SCRIPT
    /// alone: <c>.py</c> → python3 SCRIPT, <c>.sh</c> → sh SCRIPT, else ./SCRIPT; several words: as given.
    /// </summary>
    internal static IReadOnlyList<string> CommandOf(IReadOnlyList<string> words, bool afterSeparator = false)
    {
        if (afterSeparator || words.Count != 1)
        {
            return words;
        }
        var script = words[0];
        if (script.EndsWith(".py", StringComparison.Ordinal))
        {
            return ["python3", script];
        }
        if (script.EndsWith(".sh", StringComparison.Ordinal))
        {
            return ["sh", script];
        }
        return [script.Contains('/', StringComparison.Ordinal) ? script : "./" + script];
    }
}
