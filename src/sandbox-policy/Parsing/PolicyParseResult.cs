using System.Collections.Immutable;

namespace Labd.SandboxPolicy;

/// <summary>A parsed file: <see cref="Policy"/> is null when any diagnostic is an error.</summary>
public sealed record PolicyParseResult(PolicyFile? Policy, ImmutableArray<Diagnostic> Diagnostics)
{
    public bool HasErrors => Diagnostics.Any(d => d.IsError);
}
