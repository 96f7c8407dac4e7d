using System.Text.Json.Serialization;

namespace Labd.Runs;

[JsonSourceGenerationOptions(WriteIndented = true, UseStringEnumConverter = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(LaunchPlan))]
[JsonSerializable(typeof(RunExit))]
[JsonSerializable(typeof(PersistedEgressBinding))]
[JsonSerializable(typeof(SandboxApiCaller))]
internal sealed partial class RunsJsonContext : JsonSerializerContext
{
}
