namespace Labd.Protocol;

/// <summary>Body of <c>POST /v1/labs/{lab}/messages</c>. <c>To</c>: all (default), user, role:R or agent:ID.</summary>
public sealed record MessageSendRequest(string Text, string? To = null);
