using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;

namespace Labd.SandboxPolicy;

/// <summary>A <see cref="SandboxSpec"/>, or the errors that prevent one (e.g. an unset variable).</summary>
public sealed record CompileResult(SandboxSpec? Spec, ImmutableArray<Diagnostic> Diagnostics)
{
    [MemberNotNullWhen(true, nameof(Spec))]
    public bool Success => Spec is not null;
}
