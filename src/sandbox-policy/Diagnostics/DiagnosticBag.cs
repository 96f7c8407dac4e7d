using System.Collections.Immutable;

namespace Labd.SandboxPolicy;

/// <summary>Collects every diagnostic of one pass, so a file with three mistakes reports three.</summary>
internal sealed class DiagnosticBag
{
    private readonly List<Diagnostic> _items = [];

    public bool HasErrors { get; private set; }

    public int Count => _items.Count;

    public void Error(string code, string message, SourceLocation location, string? suggestion = null)
    {
        HasErrors = true;
        _items.Add(new Diagnostic(DiagnosticSeverity.Error, code, message, location, suggestion));
    }

    public void Warning(string code, string message, SourceLocation location, string? suggestion = null) =>
        _items.Add(new Diagnostic(DiagnosticSeverity.Warning, code, message, location, suggestion));

    public void AddRange(IEnumerable<Diagnostic> diagnostics)
    {
        foreach (var d in diagnostics)
        {
            HasErrors |= d.IsError;
            _items.Add(d);
        }
    }

    public ImmutableArray<Diagnostic> ToImmutable() => [.. _items];
}
