using System.Text.Json.Serialization;

namespace Labctl.Doctor;

/// <summary>Outcome of one doctor check; any <see cref="Fail"/> makes <c>labctl doctor</c> exit 1.</summary>
internal enum CheckStatus
{
    [JsonStringEnumMemberName("ok")]
    Ok,

    [JsonStringEnumMemberName("warn")]
    Warn,

    [JsonStringEnumMemberName("fail")]
    Fail,
}
