using System.Buffers.Binary;
using System.Text;
using Serilog.Events;

namespace Labd.Logging;

/// <summary>
/// Serializes one log event in journald's native protocol (systemd.journal-fields(7),
/// https://systemd.io/JOURNAL_NATIVE_PROTOCOL/): <c>NAME=value\n</c>, or for values with a
/// newline <c>NAME\n</c> + 64-bit little-endian length + value + <c>\n</c>.
/// </summary>
internal static class JournalEntry
{
    /// <summary>Structured properties that become the well-known fields <c>journalctl LABD_RUN=...</c> finds.</summary>
    private static readonly Dictionary<string, string> WellKnown = new(StringComparer.Ordinal)
    {
        ["Lab"] = "LABD_LAB",
        ["Agent"] = "LABD_AGENT",
        ["Experiment"] = "LABD_EXPERIMENT",
        ["Run"] = "LABD_RUN",
    };

    private static readonly Serilog.Formatting.Display.MessageTemplateTextFormatter PlainMessage = new("{Message:lj}", System.Globalization.CultureInfo.InvariantCulture);

    public static byte[] Serialize(LogEvent logEvent, string identifier, int maxValueBytes)
    {
        using var buffer = new MemoryStream();
        Field(buffer, "PRIORITY", Priority(logEvent.Level).ToString(System.Globalization.CultureInfo.InvariantCulture), maxValueBytes);
        Field(buffer, "SYSLOG_IDENTIFIER", identifier, maxValueBytes);
        // "lj": strings literal (no quotes), structures as JSON — `journalctl` shows prose; the values
        // are in their own LABD_* fields anyway.
        using var rendered = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        PlainMessage.Format(logEvent, rendered);
        var message = rendered.ToString();
        if (logEvent.Exception is not null)
        {
            message += "\n" + logEvent.Exception;
        }
        Field(buffer, "MESSAGE", message, maxValueBytes);
        foreach (var (name, value) in logEvent.Properties)
        {
            if (FieldValue(value) is { } text && FieldName(name) is { } field)
            {
                Field(buffer, field, text, maxValueBytes);
            }
        }
        return buffer.ToArray();
    }

    /// <summary>syslog(3) priorities: 2 crit, 3 err, 4 warning, 6 info, 7 debug.</summary>
    public static int Priority(LogEventLevel level) => level switch
    {
        LogEventLevel.Fatal => 2,
        LogEventLevel.Error => 3,
        LogEventLevel.Warning => 4,
        LogEventLevel.Information => 6,
        _ => 7,
    };

    /// <summary><c>StateDir</c> → <c>LABD_STATE_DIR</c>; only [A-Z0-9_], at most 64 characters; null if nothing is left.</summary>
    public static string? FieldName(string property)
    {
        if (WellKnown.TryGetValue(property, out var known))
        {
            return known;
        }
        var name = new StringBuilder("LABD_");
        for (var i = 0; i < property.Length; i++)
        {
            var c = property[i];
            if (char.IsAsciiLetterUpper(c) && i > 0 && char.IsAsciiLetterLower(property[i - 1]))
            {
                name.Append('_');
            }
            name.Append(char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_');
        }
        return name.Length == 5 ? null : name.ToString(0, Math.Min(name.Length, 64));
    }

    private static string? FieldValue(LogEventPropertyValue value) => value switch
    {
        ScalarValue { Value: null } => null,
        ScalarValue { Value: string s } => s,
        ScalarValue { Value: IFormattable f } => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        ScalarValue s => s.Value.ToString(),
        // Microsoft.Extensions.Logging's EventId arrives as { Id, Name }: keep the stable id.
        StructureValue structure => structure.Properties.FirstOrDefault(p => p.Name == "Id")?.Value is ScalarValue id ? id.Value?.ToString() : null,
        _ => null,
    };

    private static void Field(MemoryStream buffer, string name, string value, int maxValueBytes)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        if (bytes.Length > maxValueBytes)
        {
            bytes = Truncate(bytes, maxValueBytes);
        }
        buffer.Write(Encoding.ASCII.GetBytes(name));
        if (Array.IndexOf(bytes, (byte)'\n') < 0)
        {
            buffer.WriteByte((byte)'=');
            buffer.Write(bytes);
        }
        else
        {
            buffer.WriteByte((byte)'\n');
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)bytes.Length);
            buffer.Write(length);
            buffer.Write(bytes);
        }
        buffer.WriteByte((byte)'\n');
    }

    /// <summary>Cuts at a UTF-8 character boundary and marks the cut.</summary>
    private static byte[] Truncate(byte[] bytes, int max)
    {
        var marker = "…[truncated]"u8;
        var cut = Math.Max(0, max - marker.Length);
        while (cut > 0 && (bytes[cut] & 0xC0) == 0x80)
        {
            cut--;
        }
        return [.. bytes.AsSpan(0, cut), .. marker];
    }
}
