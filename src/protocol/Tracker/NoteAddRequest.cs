namespace Labd.Protocol;

/// <summary>Body of <c>POST /v1/labs/{lab}/notes</c>. Level: insight, milestone, observation (default) or debug.</summary>
public sealed record NoteAddRequest(string Text, int? Idea = null, string? Level = null);
