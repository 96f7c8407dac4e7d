using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Labctl.Client;
using Labctl.Output;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary>
/// <c>labctl run [--policy NAME] [--gpus N] [--timeout D] [--detach] -- CMD...</c>: runs CMD in
/// a sandbox with the current directory as the worktree, streams its output, and exits with
/// its exit code (124 timed out, 130 cancelled, 8 the sandbox could not start).
/// </summary>
internal static class RunCommand
{
    public const int TimedOut = 124;
    public const int Interrupted = 130;

    public static Command Create(CliContext context)
    {
        var policy = new Option<string>("--policy") { Description = "Policy to run under (default: default)", HelpName = "NAME" };
        var gpus = new Option<int?>("--gpus") { Description = "GPUs to lease", HelpName = "N" };
        var timeout = new Option<string>("--timeout") { Description = "Wall-clock limit: 90s, 30m, 2h, 1h30m", HelpName = "D" };
        var detach = new Option<bool>("--detach") { Description = "Print the run id and return at once" };
        var argv = new Argument<string[]>("command") { HelpName = "-- CMD ARGS...", Description = "The command and its arguments, after --", Arity = ArgumentArity.OneOrMore };
        var command = new Command("run", "Run a command in a sandbox, in the current directory, under a policy") { policy, gpus, timeout, detach, argv };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            long? seconds = null;
            if (parseResult.GetValue(timeout) is { } text)
            {
                seconds = ParseDuration(text);
                if (seconds is null)
                {
                    return context.Fail(ExitCodes.Usage, $"--timeout '{text}' is not a duration; use e.g. 90s, 30m, 2h or 1h30m");
                }
            }
            var request = new RunStartRequest(
                parseResult.GetValue(argv) ?? [],
                Directory.GetCurrentDirectory(),
                parseResult.GetValue(policy),
                parseResult.GetValue(gpus),
                seconds,
                Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "", StringComparer.Ordinal));
            return await RunAsync(context, parseResult, request, parseResult.GetValue(detach), cancellationToken).ConfigureAwait(false);
        }));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, ParseResult parseResult, RunStartRequest request, bool detach, CancellationToken commandCancellation)
    {
        // Ctrl-C (SIGINT) and SIGTERM cancel the run instead of killing labctl, which would leave it running.
        using var interrupted = CancellationTokenSource.CreateLinkedTokenSource(commandCancellation);
        void Interrupt(PosixSignalContext signal)
        {
            signal.Cancel = true;
            interrupted.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
        var cancellationToken = interrupted.Token;
        using var client = context.Connect(parseResult, Timeout.InfiniteTimeSpan);
        var started = await client.PostAsync(Routes.Runs, request, ProtocolJsonContext.Default.RunStartRequest, ProtocolJsonContext.Default.RunRecord, cancellationToken).ConfigureAwait(false)
            ?? throw new LabdApiException("invalid-response", System.Net.HttpStatusCode.Created, "labd started a run but sent no record");
        var run = started.Value;
        var json = context.Format(parseResult) == OutputFormat.Json;
        if (detach)
        {
            context.Console.Out.WriteLine(json ? started.Body : run.Id);
            return ExitCodes.Ok;
        }
        try
        {
            var output = json ? context.Console.Error : context.Console.Out;
            var decoder = Encoding.UTF8.GetDecoder();
            await client.StreamAsync(Routes.RunLogs(run.Id, follow: true), async (bytes, ct) =>
            {
                var chars = new char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
                var count = decoder.GetChars(bytes.Span, chars, flush: false);
                await output.WriteAsync(chars.AsMemory(0, count), ct).ConfigureAwait(false);
                await output.FlushAsync(ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            var ended = await client.GetAsync(Routes.RunWait(run.Id), ProtocolJsonContext.Default.RunRecord, cancellationToken).ConfigureAwait(false);
            return await FinishAsync(context, client, ended, json, CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C: the run must not outlive its caller's intent.
            await client.PostAsync<RunStartRequest, RunRecord>(Routes.RunCancel(run.Id), null, ProtocolJsonContext.Default.RunStartRequest, ProtocolJsonContext.Default.RunRecord, CancellationToken.None).ConfigureAwait(false);
            context.Console.Error.WriteLine($"labctl: cancelled run {run.Id}");
            return Interrupted;
        }
    }

    private static async Task<int> FinishAsync(CliContext context, LabdClient client, LabdResponse<RunRecord> ended, bool json, CancellationToken cancellationToken)
    {
        var run = ended.Value;
        var code = run.Outcome switch
        {
            "exited" => run.ExitCode ?? ExitCodes.Failure,
            "timed-out" => TimedOut,
            "cancelled" => Interrupted,
            _ => ExitCodes.Unavailable,
        };
        if (code != ExitCodes.Ok)
        {
            await ExplainDenialsAsync(context, client, run, cancellationToken).ConfigureAwait(false);
        }
        if (run.Outcome is "timed-out")
        {
            context.Console.Error.WriteLine($"labctl: run {run.Id} timed out");
        }
        else if (code == ExitCodes.Unavailable)
        {
            context.Console.Error.WriteLine(TerminalText.Line($"labctl: run {run.Id} could not run ({run.Outcome}): {run.Message}"));
        }
        if (json)
        {
            context.Console.Out.WriteLine(ended.Body);
        }
        return code;
    }

    /// <summary>A failed run often failed because the network said no: say so, once per host.</summary>
    private static async Task ExplainDenialsAsync(CliContext context, LabdClient client, RunRecord run, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        await client.StreamAsync(Routes.RunEgress(run.Id), (bytes, _) =>
        {
            text.Append(Encoding.UTF8.GetString(bytes.Span));
            return Task.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var decision = System.Text.Json.JsonSerializer.Deserialize(line, ProtocolJsonContext.Default.RunEgressDecision);
            if (decision is not { Allowed: false } || decision.Host.Length == 0)
            {
                continue;
            }
            if (decision.Kind == "dns")
            {
                if (seen.Add("dns " + decision.Host))
                {
                    context.Console.Error.WriteLine(TerminalText.Line($"labctl: name lookup of {decision.Host} was denied by policy '{run.Policy}': {decision.Reason}"));
                }
            }
            else if (seen.Add($"{decision.Host}:{decision.Port}"))
            {
                context.Console.Error.WriteLine(TerminalText.Line($"labctl: egress to {decision.Host}:{decision.Port.ToString(CultureInfo.InvariantCulture)} was denied by policy '{run.Policy}': {decision.Reason}"));
            }
        }
    }

    /// <summary>90s, 30m, 2h, 1d, 1h30m, or plain seconds.</summary>
    internal static long? ParseDuration(string text)
    {
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var plain))
        {
            return plain > 0 ? plain : null;
        }
        long total = 0;
        var number = 0L;
        var digits = false;
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                number = checked((number * 10) + (c - '0'));
                digits = true;
                continue;
            }
            var unit = c switch { 's' => 1L, 'm' => 60L, 'h' => 3600L, 'd' => 86400L, _ => 0L };
            if (unit == 0 || !digits)
            {
                return null;
            }
            total += number * unit;
            number = 0;
            digits = false;
        }
        return digits || total == 0 ? null : total;
    }
}
