using System.Text.Json.Serialization;

namespace Labd.Egress;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(EgressDecisionRecord))]
[JsonSerializable(typeof(EgressListenerFile))]
internal sealed partial class EgressJsonContext : JsonSerializerContext;
