namespace Labd.Protocol;

/// <summary>One search result: kind (idea, note, experiment, message), its reference, a snippet with the match in [brackets], and its bm25 rank (lower is better).</summary>
public sealed record SearchHit(string Kind, string Ref, string Snippet, double Rank);
