namespace Labd.Protocol;

/// <summary>Body of <c>POST /v1/labs/{lab}/ideas</c>. No parents: from the lab's main branch; two or more: a merge.</summary>
public sealed record IdeaNewRequest(string Title, IReadOnlyList<int>? Parents = null, string? Description = null, bool Suggest = false);
