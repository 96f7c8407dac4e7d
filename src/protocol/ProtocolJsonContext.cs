using System.Text.Json.Serialization;

namespace Labd.Protocol;

/// <summary>
/// Source-generated JSON metadata for every wire type, so labctl (Native AOT) and labd
/// serialize identically without reflection. Wire names are camelCase.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = false)]
[JsonSerializable(typeof(Problem))]
[JsonSerializable(typeof(VersionInfo))]
[JsonSerializable(typeof(StatusInfo))]
[JsonSerializable(typeof(EventAppendRequest))]
[JsonSerializable(typeof(EventAppended))]
[JsonSerializable(typeof(PolicyList))]
[JsonSerializable(typeof(PolicyDetail))]
[JsonSerializable(typeof(PolicyExplanation))]
[JsonSerializable(typeof(PolicyReloadResult))]
[JsonSerializable(typeof(RunStartRequest))]
[JsonSerializable(typeof(RunRecord))]
[JsonSerializable(typeof(IReadOnlyList<RunRecord>))]
[JsonSerializable(typeof(RunEgressDecision))]
[JsonSerializable(typeof(LabRef))]
[JsonSerializable(typeof(ExperimentSubmitRequest))]
[JsonSerializable(typeof(ExperimentRecord))]
[JsonSerializable(typeof(IReadOnlyList<ExperimentRecord>))]
[JsonSerializable(typeof(IReadOnlyList<GpuState>))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;
