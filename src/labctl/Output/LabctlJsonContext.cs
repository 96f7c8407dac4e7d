using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Labctl.Doctor;

namespace Labctl.Output;

/// <summary>
/// Source-generated JSON for documents only labctl writes (labd's own documents are printed
/// as labd sent them). Same conventions as the wire: camelCase, nulls omitted.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    WriteIndented = true)]
[JsonSerializable(typeof(VersionReport))]
[JsonSerializable(typeof(DoctorReport))]
internal sealed partial class LabctlJsonContext : JsonSerializerContext
{
    /// <summary>
    /// For output read by people too: keeps <c>+</c>, backticks and quotes as they are instead of
    /// \u escapes. Safe because labctl's JSON is never embedded in HTML.
    /// </summary>
    public static LabctlJsonContext Relaxed { get; } = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter<Doctor.CheckStatus>() },
    });
}
