using Labd.Protocol;

namespace Labd.Policy;

/// <summary>A reload's result: the new set's changes, or every error (the previous set stays).</summary>
internal sealed record PolicyReloadOutcome(PolicyReloadResult? Result, IReadOnlyList<string> Errors, string Summary)
{
    public bool Succeeded => Result is not null;
}
