using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Labctl.Mcp;

/// <summary>labd's answers re-written without indentation: a model pays for every byte it reads.</summary>
internal static class CompactJson
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = false,
        // The text goes to a model, not into HTML: keep Δ and quotes readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The same document, compact; text that is not JSON comes back as it was.</summary>
    public static string Of(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var buffer = new ArrayBufferWriter<byte>(body.Length);
            using (var writer = new Utf8JsonWriter(buffer, Options))
            {
                document.WriteTo(writer);
            }
            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
        catch (JsonException)
        {
            return body;
        }
    }
}
