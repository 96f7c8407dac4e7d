namespace Labd.Protocol;

/// <summary><c>GET /v1/labs/{lab}/ideas/{n}</c>: the idea, its notes, its experiments by status and its best value of the primary metric.</summary>
public sealed record IdeaDetail(IdeaRecord Idea, IReadOnlyList<NoteRecord> Notes, IReadOnlyDictionary<string, long> Experiments, string Metric, double? Best);
