using System.Buffers;
using System.Text;

namespace Labd.SandboxPolicy.Yaml;

/// <summary>Strict UTF-8 decoding that reports the line and column of the first invalid byte.</summary>
internal static class Utf8Text
{
    public static string? Decode(string file, ReadOnlySpan<byte> bytes, DiagnosticBag diagnostics)
    {
        if (bytes.StartsWith("\uFEFF"u8))
        {
            bytes = bytes[3..];
        }

        var line = 1;
        var column = 1;
        var rest = bytes;
        while (!rest.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(rest, out var rune, out var consumed);
            if (status != OperationStatus.Done)
            {
                diagnostics.Error(
                    DiagnosticCodes.InvalidEncoding,
                    $"invalid UTF-8 byte 0x{rest[0]:x2}",
                    new SourceLocation(file, line, column),
                    "save the file as UTF-8");
                return null;
            }

            if (rune.Value == '\n')
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }

            rest = rest[consumed..];
        }

        return Encoding.UTF8.GetString(bytes);
    }
}
