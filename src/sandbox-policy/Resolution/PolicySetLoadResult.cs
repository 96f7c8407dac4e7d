using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;

namespace Labd.SandboxPolicy;

/// <summary>Either a complete valid <see cref="PolicySet"/> (warnings possible) or every error; never a partial set.</summary>
public sealed record PolicySetLoadResult(PolicySet? Set, ImmutableArray<Diagnostic> Diagnostics)
{
    [MemberNotNullWhen(true, nameof(Set))]
    public bool Success => Set is not null;

    public IEnumerable<Diagnostic> Errors => Diagnostics.Where(d => d.IsError);
}
