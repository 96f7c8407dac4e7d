namespace Labd.Protocol;

/// <summary>Answer of <c>POST /v1/policies/reload</c> when the new set is valid and now in force.</summary>
public sealed record PolicyReloadResult(
    long Generation,
    string Source,
    IReadOnlyList<PolicyChange> Changes,
    IReadOnlyList<string> Warnings);
