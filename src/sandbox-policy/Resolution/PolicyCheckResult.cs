using System.Collections.Immutable;

namespace Labd.SandboxPolicy;

/// <summary>The outcome of <see cref="PolicyCheck.CheckFiles"/>: every diagnostic, and the
/// effective policies of the named files that are valid.</summary>
public sealed record PolicyCheckResult(ImmutableArray<Diagnostic> Diagnostics, ImmutableArray<EffectivePolicy> Policies)
{
    public bool HasErrors => Diagnostics.Any(d => d.IsError);

    /// <summary>Compiler-style lines, one per diagnostic.</summary>
    public IEnumerable<string> Format() => Diagnostics.Select(d => d.ToString());
}
