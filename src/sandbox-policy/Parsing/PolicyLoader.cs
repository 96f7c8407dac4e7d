using System.Text;
using Labd.SandboxPolicy.Yaml;

namespace Labd.SandboxPolicy;

/// <summary>
/// Reads one policy file into a validated <see cref="PolicyFile"/>. Never throws for any input:
/// every problem is a <see cref="Diagnostic"/> with a position.
/// </summary>
public static class PolicyLoader
{
    /// <summary>Files above this size are rejected before parsing.</summary>
    public const int MaxFileBytes = YamlTreeReader.MaxBytes;

    /// <param name="name">The policy name (file name without <c>.yaml</c>).</param>
    /// <param name="displayPath">The path shown in diagnostics and rule origins.</param>
    /// <param name="content">The file's raw bytes (UTF-8, optional BOM).</param>
    public static PolicyParseResult Parse(string name, string displayPath, ReadOnlySpan<byte> content)
    {
        var diagnostics = new DiagnosticBag();
        var root = YamlTreeReader.Read(displayPath, content, diagnostics);
        PolicyFile? policy = null;
        if (!diagnostics.HasErrors)
        {
            policy = new PolicyReader(name, displayPath, diagnostics).Read(root);
        }

        return new PolicyParseResult(diagnostics.HasErrors ? null : policy, diagnostics.ToImmutable());
    }

    public static PolicyParseResult Parse(string name, string displayPath, string content) =>
        Parse(name, displayPath, Encoding.UTF8.GetBytes(content));

    /// <summary>Reads a file from disk, with the size cap applied before reading it whole.</summary>
    public static PolicyParseResult ParseFile(string path, string? displayPath = null)
    {
        displayPath ??= path;
        var name = System.IO.Path.GetFileNameWithoutExtension(path);
        var (bytes, error) = ReadCapped(path, displayPath);
        return error is not null ? new PolicyParseResult(null, [error]) : Parse(name, displayPath, bytes);
    }

    internal static (byte[] Bytes, Diagnostic? Error) ReadCapped(string path, string displayPath)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            var buffer = new byte[MaxFileBytes + 1];
            var total = 0;
            int n;
            while (total < buffer.Length && (n = stream.Read(buffer, total, buffer.Length - total)) > 0)
            {
                total += n;
            }

            if (total > MaxFileBytes)
            {
                return ([], new Diagnostic(DiagnosticSeverity.Error, DiagnosticCodes.InputTooLarge, $"file is larger than {MaxFileBytes} bytes (1 MiB)", new SourceLocation(displayPath, 1, 1), "split it or remove unused content"));
            }

            return (buffer[..total], null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return ([], new Diagnostic(DiagnosticSeverity.Error, DiagnosticCodes.ReadFailed, $"cannot read the file: {ex.Message}", new SourceLocation(displayPath, 1, 1)));
        }
    }
}
