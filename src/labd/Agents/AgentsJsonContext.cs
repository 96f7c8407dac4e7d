using System.Text.Json.Serialization;

namespace Labd.Agents;

/// <summary>JSON of the agents tables' columns (argv) and of the files labd writes for a turn.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(AgentEnd))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class AgentsJsonContext : JsonSerializerContext;
