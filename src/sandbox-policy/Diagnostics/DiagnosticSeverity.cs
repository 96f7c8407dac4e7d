namespace Labd.SandboxPolicy;

/// <summary>How bad a <see cref="Diagnostic"/> is: errors reject the policy, warnings do not.</summary>
public enum DiagnosticSeverity
{
    Error,
    Warning,
}
