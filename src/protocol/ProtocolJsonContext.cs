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
[JsonSerializable(typeof(SelfInfo))]
[JsonSerializable(typeof(LabInitRequest))]
[JsonSerializable(typeof(LabPolicyRequest))]
[JsonSerializable(typeof(LabPolicyChange))]
[JsonSerializable(typeof(LabRecord))]
[JsonSerializable(typeof(IReadOnlyList<LabRecord>))]
[JsonSerializable(typeof(LabMetricRequest))]
[JsonSerializable(typeof(IdeaNewRequest))]
[JsonSerializable(typeof(IdeaRecord))]
[JsonSerializable(typeof(IReadOnlyList<IdeaRecord>))]
[JsonSerializable(typeof(IdeaDetail))]
[JsonSerializable(typeof(IdeaTransitionRequest))]
[JsonSerializable(typeof(NoteAddRequest))]
[JsonSerializable(typeof(NoteRecord))]
[JsonSerializable(typeof(IReadOnlyList<NoteRecord>))]
[JsonSerializable(typeof(IReadOnlyList<TagCount>))]
[JsonSerializable(typeof(TagRenameRequest))]
[JsonSerializable(typeof(TagRenameResult))]
[JsonSerializable(typeof(MessageSendRequest))]
[JsonSerializable(typeof(MessageRecord))]
[JsonSerializable(typeof(IReadOnlyList<MessageRecord>))]
[JsonSerializable(typeof(IReadOnlyList<SearchHit>))]
[JsonSerializable(typeof(Leaderboard))]
[JsonSerializable(typeof(Orientation))]
[JsonSerializable(typeof(Progress))]
[JsonSerializable(typeof(AgentStartRequest))]
[JsonSerializable(typeof(AgentRecord))]
[JsonSerializable(typeof(IReadOnlyList<AgentRecord>))]
[JsonSerializable(typeof(AgentTurnRecord))]
[JsonSerializable(typeof(AgentStopRequest))]
[JsonSerializable(typeof(AgentBudget))]
[JsonSerializable(typeof(AgentLogLine))]
[JsonSerializable(typeof(ExperimentSubmitRequest))]
[JsonSerializable(typeof(ExperimentRecord))]
[JsonSerializable(typeof(IReadOnlyList<ExperimentRecord>))]
[JsonSerializable(typeof(IReadOnlyList<GpuState>))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;
