namespace Labd.SandboxPolicy;

/// <summary>
/// One finding about a policy file, formatted like compiler output:
/// <c>policies/x.yaml:12:7: error LP012: unknown mode 'rwx'; use rw, ro or hidden (did you mean 'ro'?)</c>.
/// </summary>
public sealed record Diagnostic(
    DiagnosticSeverity Severity,
    string Code,
    string Message,
    SourceLocation Location,
    string? Suggestion = null)
{
    public bool IsError => Severity == DiagnosticSeverity.Error;

    public override string ToString()
    {
        var severity = IsError ? "error" : "warning";
        var text = $"{Location}: {severity} {Code}: {Message}";
        return Suggestion is null ? text : $"{text} ({Suggestion})";
    }
}
