using System.Text;
using Labctl.Client;
using Labctl.Output;

namespace Labctl.Commands;

/// <summary>
/// Copies an output stream from labd (an experiment's or a run's logs, metrics) to stdout as it
/// arrives: escaped (<see cref="TerminalText.EscapeKeepingLines"/>, the output may be an agent's)
/// unless <c>--raw</c> asks for it as written.
/// </summary>
internal static class OutputStream
{
    public static async Task CopyAsync(CliContext context, LabdClient client, string route, bool raw, CancellationToken cancellationToken)
    {
        var decoder = Encoding.UTF8.GetDecoder();
        await client.StreamAsync(route, async (bytes, ct) =>
        {
            var chars = new char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
            var count = decoder.GetChars(bytes.Span, chars, flush: false);
            await context.Console.Out.WriteAsync(raw ? chars.AsMemory(0, count) : TerminalText.EscapeKeepingLines(new string(chars, 0, count)).AsMemory(), ct).ConfigureAwait(false);
            await context.Console.Out.FlushAsync(ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }
}
