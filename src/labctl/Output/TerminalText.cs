using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Labctl.Output;

/// <summary>
/// Text that came from labd (idea titles, notes, messages, commands, agent names, logs) may
/// have been written by an agent, and an escape sequence in it would act on the operator's
/// terminal (OSC 52 sets the clipboard, CSI 2J clears the screen, OSC 8 hides a link). labctl
/// writes no control character it did not produce: C0 controls, DEL, C1 controls and the
/// bidirectional overrides (CVE-2021-42574) print as escapes, e.g. ESC as <c>\x1b</c>, a newline
/// in a table cell as <c>\n</c>. <c>-o json</c> needs none of this: JSON escapes them itself.
/// </summary>
internal static class TerminalText
{
    /// <summary><paramref name="text"/> with every control character escaped (a newline too: one field, one line).</summary>
    public static string Escape(string? text) => Escape(text, keepLines: false);

    /// <summary>Output lines (logs): escaped like <see cref="Escape(string?)"/>, but newlines and tabs stay.</summary>
    public static string EscapeKeepingLines(string text) => Escape(text, keepLines: true);

    /// <summary>A line whose interpolated values are escaped and whose literal parts are labctl's own.</summary>
    public static string Line(ref Interpolated line) => line.ToStringAndClear();

    private static string Escape(string? text, bool keepLines)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }
        var i = 0;
        while (i < text.Length && !IsUnsafe(text[i], keepLines))
        {
            i++;
        }
        if (i == text.Length)
        {
            return text;
        }
        var escaped = new StringBuilder(text.Length + 8).Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (!IsUnsafe(c, keepLines))
            {
                escaped.Append(c);
                continue;
            }
            escaped.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                <= '\u00ff' => "\\x" + ((int)c).ToString("x2", CultureInfo.InvariantCulture),
                _ => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
            });
        }
        return escaped.ToString();
    }

    private static bool IsUnsafe(char c, bool keepLines) => c switch
    {
        '\n' or '\t' => !keepLines,
        < ' ' => true,
        >= '\u007f' and <= '\u009f' => true,
        >= '\u202a' and <= '\u202e' => true,
        >= '\u2066' and <= '\u2069' => true,
        _ => false,
    };

    /// <summary>Builds a line: literals as written, every hole escaped.</summary>
    [InterpolatedStringHandler]
    internal ref struct Interpolated(int literalLength, int formattedCount)
    {
        private DefaultInterpolatedStringHandler _inner = new(literalLength, formattedCount, CultureInfo.InvariantCulture);

        public void AppendLiteral(string value) => _inner.AppendLiteral(value);

        public void AppendFormatted<T>(T value) => _inner.AppendLiteral(Escape(value is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : value?.ToString()));

        public void AppendFormatted<T>(T value, string? format) => _inner.AppendLiteral(Escape(value is IFormattable f ? f.ToString(format, CultureInfo.InvariantCulture) : value?.ToString()));

        public void AppendFormatted<T>(T value, int alignment) => _inner.AppendFormatted(Escape(value is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : value?.ToString()), alignment);

        public string ToStringAndClear() => _inner.ToStringAndClear();
    }
}
