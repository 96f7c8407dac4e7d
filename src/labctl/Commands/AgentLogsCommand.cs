using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Labctl.Output;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary>
/// <c>labctl agent logs ID [-f] [--turn N] [--tail N]</c>: the turns' output. labd sends NDJSON
/// (<see cref="AgentLogLine"/>); labctl prints each line's text, with a header when a new turn
/// begins (<c>-o json</c>: the NDJSON as labd sent it).
/// </summary>
internal static class AgentLogsCommand
{
    public static Command Create(CliContext context)
    {
        var id = AgentCommand.IdArgument();
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing as the agent works, until it ends (Ctrl-C stops following, not the agent)" };
        var turn = new Option<int?>("--turn") { Description = "Only this turn's output", HelpName = "N" };
        var tail = new Option<int?>("--tail") { Description = "Start with the last N lines", HelpName = "N" };
        var rawText = TrackerCli.RawOption();
        var command = new Command("logs", TrackerCli.Describe("Print an agent's turns' output", "labctl agent logs -f 7", "labctl agent logs 7 --turn 3 --tail 50")) { id, follow, turn, tail, rawText };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            using var client = context.Connect(parseResult, Timeout.InfiniteTimeSpan);
            var raw = context.Format(parseResult) == OutputFormat.Json;
            var printer = new LinePrinter(context.Console.Out, raw, parseResult.GetValue(rawText));
            var decoder = Encoding.UTF8.GetDecoder();
            try
            {
                await client.StreamAsync(Routes.AgentLogs(parseResult.GetValue(id), parseResult.GetValue(follow), parseResult.GetValue(turn), parseResult.GetValue(tail)), async (bytes, ct) =>
                {
                    var chars = new char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
                    var count = decoder.GetChars(bytes.Span, chars, flush: false);
                    await printer.WriteAsync(chars.AsMemory(0, count), ct).ConfigureAwait(false);
                }, cancellationToken).ConfigureAwait(false);
                await printer.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl-C ends the following, quietly; the agent goes on.
                await printer.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                return RunCommand.Interrupted;
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The text of one NDJSON line (<see cref="AgentLogLine"/>) and its turn; a line that is not one prints as it is.</summary>
    internal static (int? Turn, string Text) Read(string line)
    {
        try
        {
            return JsonSerializer.Deserialize(line, ProtocolJsonContext.Default.AgentLogLine) is { Line: { } text } log ? (log.Turn, text) : (null, line);
        }
        catch (JsonException)
        {
            return (null, line);
        }
    }

    /// <summary>Splits the stream into lines and prints each to <paramref name="output"/> as it completes: with <paramref name="raw"/> (-o json) labd's NDJSON as sent (JSON escapes control
    /// characters itself); with <paramref name="rawText"/> (--raw) each line's text as the agent wrote it, escape sequences included.</summary>
    private sealed class LinePrinter(TextWriter output, bool raw, bool rawText)
    {
        private readonly StringBuilder _pending = new();
        private int? _turn;

        public async Task WriteAsync(ReadOnlyMemory<char> chars, CancellationToken cancellationToken)
        {
            _pending.Append(chars.Span);
            var text = _pending.ToString();
            var end = text.LastIndexOf('\n');
            if (end < 0)
            {
                return;
            }
            _pending.Clear().Append(text.AsSpan(end + 1));
            foreach (var line in text[..end].Split('\n'))
            {
                await PrintAsync(line, cancellationToken).ConfigureAwait(false);
            }
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        public async Task FlushAsync(CancellationToken cancellationToken)
        {
            if (_pending.Length > 0)
            {
                await PrintAsync(_pending.ToString(), cancellationToken).ConfigureAwait(false);
                _pending.Clear();
            }
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        private async Task PrintAsync(string line, CancellationToken cancellationToken)
        {
            if (raw)
            {
                await output.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
                return;
            }
            if (line.Length == 0)
            {
                return;
            }
            var (turn, text) = Read(line);
            if (turn is { } number && number != _turn)
            {
                _turn = number;
                await output.WriteLineAsync($"── turn {number.ToString(CultureInfo.InvariantCulture)} ──".AsMemory(), cancellationToken).ConfigureAwait(false);
            }
            await output.WriteLineAsync((rawText ? text : TerminalText.EscapeKeepingLines(text)).AsMemory(), cancellationToken).ConfigureAwait(false);
        }
    }
}
