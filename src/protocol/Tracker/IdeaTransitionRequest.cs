namespace Labd.Protocol;

/// <summary>Body of <c>POST /v1/labs/{lab}/ideas/{n}/{action}</c> (conclude, abandon, reopen, activate): the conclusion or reason.</summary>
public sealed record IdeaTransitionRequest(string? Text = null);
