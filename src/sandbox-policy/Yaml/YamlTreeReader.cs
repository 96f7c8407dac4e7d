using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Labd.SandboxPolicy.Yaml;

/// <summary>
/// Builds a <see cref="YamlNode"/> tree from YamlDotNet's event stream, never through the
/// reflection-based deserializer: policy files are untrusted input. Anchors, aliases and tags
/// are rejected (no billion-laughs expansion), nesting and node counts are capped, duplicate
/// keys are errors, and every failure is a diagnostic with a position.
/// </summary>
internal static class YamlTreeReader
{
    public const int MaxBytes = 1 << 20;
    public const int MaxDepth = 32;
    public const int MaxNodes = 100_000;
    public const int MaxDiagnostics = 100;

    /// <summary>The root node, or null when nothing usable could be read (diagnostics say why).</summary>
    public static YamlNode? Read(string file, ReadOnlySpan<byte> bytes, DiagnosticBag diagnostics)
    {
        if (bytes.Length > MaxBytes)
        {
            diagnostics.Error(
                DiagnosticCodes.InputTooLarge,
                $"file is {bytes.Length} bytes; policy files are limited to {MaxBytes} bytes (1 MiB)",
                new SourceLocation(file, 1, 1),
                "split it or remove unused content");
            return null;
        }

        var text = Utf8Text.Decode(file, bytes, diagnostics);
        return text is null ? null : Read(file, text, diagnostics);
    }

    public static YamlNode? Read(string file, string text, DiagnosticBag diagnostics)
    {
        var builder = new Builder(file, diagnostics);
        var parser = new Parser(new StringReader(text));
        try
        {
            while (parser.MoveNext())
            {
                if (!builder.Accept(parser.Current!))
                {
                    return null;
                }
            }
        }
        catch (YamlException ex)
        {
            diagnostics.Error(DiagnosticCodes.YamlSyntax, CleanMessage(ex), Location(file, ex.Start, builder.LastMark));
            return null;
        }
#pragma warning disable CA1031 // Untrusted input: any parser failure must become a diagnostic, never a crash.
        catch (Exception ex) when (ex is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            diagnostics.Error(DiagnosticCodes.YamlSyntax, $"unreadable YAML: {ex.Message}", Location(file, builder.LastMark, builder.LastMark));
            return null;
        }

        return builder.Root;
    }

    internal static SourceLocation Location(string file, Mark mark) =>
        new(file, Math.Max(1, (int)Math.Min(mark.Line, int.MaxValue)), Math.Max(1, (int)Math.Min(mark.Column, int.MaxValue)));

    private static SourceLocation Location(string file, Mark mark, Mark fallback) =>
        mark.Line >= 1 ? Location(file, mark) : Location(file, fallback);

    private static string CleanMessage(YamlException ex)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (...): "; the position is reported separately.
        var message = ex.Message;
        var cut = message.LastIndexOf("): ", StringComparison.Ordinal);
        if (message.StartsWith("(Line:", StringComparison.Ordinal) && cut >= 0)
        {
            message = message[(cut + 3)..];
        }

        message = message.Trim();
        return message.Length == 0 ? "invalid YAML" : char.ToLowerInvariant(message[0]) + message[1..];
    }

    private sealed class Frame(YamlNode start)
    {
        public YamlNode Start { get; } = start;
        public List<YamlNode> Items { get; } = [];
        public List<KeyValuePair<YamlScalar, YamlNode>> Entries { get; } = [];
        public Dictionary<string, YamlScalar> Keys { get; } = new(StringComparer.Ordinal);
        public YamlScalar? PendingKey { get; set; }
        public bool ExpectingKey { get; set; } = true;
    }

    private sealed class Builder(string file, DiagnosticBag diagnostics)
    {
        private readonly Stack<Frame> _stack = new();
        private int _documents;
        private int _nodes;

        public YamlNode? Root { get; private set; }

        public Mark LastMark { get; private set; } = Mark.Empty;

        public bool Accept(ParsingEvent e)
        {
            LastMark = e.Start;
            if (diagnostics.Count >= MaxDiagnostics)
            {
                diagnostics.Error(DiagnosticCodes.YamlSyntax, $"more than {MaxDiagnostics} problems; stopping here", Loc(e), "fix the ones above first");
                return false;
            }

            switch (e)
            {
                case DocumentStart:
                    if (++_documents > 1)
                    {
                        diagnostics.Error(DiagnosticCodes.MultipleDocuments, "a policy file holds exactly one YAML document", Loc(e), "remove the '---' separator");
                        return false;
                    }

                    return true;
                case AnchorAlias alias:
                    diagnostics.Error(DiagnosticCodes.AliasOrAnchor, $"aliases are not supported ('*{alias.Value}')", Loc(e), "write the value out");
                    Add(new YamlScalar(Loc(e), "", IsPlain: true));
                    return true;
                case NodeEvent node:
                    CheckNodeProperties(node);
                    if (++_nodes > MaxNodes)
                    {
                        diagnostics.Error(DiagnosticCodes.TooDeep, $"more than {MaxNodes} YAML nodes", Loc(e), "policy files are small; remove generated content");
                        return false;
                    }

                    return AcceptNode(node);
                case MappingEnd:
                    {
                        var frame = _stack.Pop();
                        Add(new YamlMapping(frame.Start.Location, [.. frame.Entries]));
                        return true;
                    }

                case SequenceEnd:
                    {
                        var frame = _stack.Pop();
                        Add(new YamlSequence(frame.Start.Location, [.. frame.Items]));
                        return true;
                    }

                default:
                    return true;
            }
        }

        private bool AcceptNode(NodeEvent node)
        {
            switch (node)
            {
                case Scalar scalar:
                    Add(new YamlScalar(Loc(node), scalar.Value, scalar.Style == ScalarStyle.Plain));
                    return true;
                case MappingStart or SequenceStart:
                    if (_stack.Count >= MaxDepth)
                    {
                        diagnostics.Error(DiagnosticCodes.TooDeep, $"nesting deeper than {MaxDepth} levels", Loc(node), "policy files need at most four levels");
                        return false;
                    }

                    YamlNode marker = node is MappingStart
                        ? new YamlMapping(Loc(node), [])
                        : new YamlSequence(Loc(node), []);
                    _stack.Push(new Frame(marker));
                    return true;
                default:
                    return true;
            }
        }

        private void CheckNodeProperties(NodeEvent node)
        {
            if (!node.Anchor.IsEmpty)
            {
                diagnostics.Error(DiagnosticCodes.AliasOrAnchor, $"anchors are not supported ('&{node.Anchor.Value}')", Loc(node), "write each value out");
            }

            if (!node.Tag.IsEmpty && node.Tag.Value != "!")
            {
                diagnostics.Error(DiagnosticCodes.Tag, $"tags are not supported ('{node.Tag.Value}')", Loc(node), "remove the tag");
            }
        }

        private void Add(YamlNode node)
        {
            if (_stack.Count == 0)
            {
                Root ??= node;
                return;
            }

            var frame = _stack.Peek();
            if (frame.Start is YamlSequence)
            {
                frame.Items.Add(node);
                return;
            }

            if (frame.ExpectingKey)
            {
                frame.ExpectingKey = false;
                if (node is YamlScalar key)
                {
                    frame.PendingKey = key;
                }
                else
                {
                    diagnostics.Error(DiagnosticCodes.WrongType, $"a key must be a plain string, not {node.Describe()}", node.Location);
                    frame.PendingKey = null;
                }

                return;
            }

            frame.ExpectingKey = true;
            if (frame.PendingKey is not { } pending)
            {
                return;
            }

            if (frame.Keys.TryGetValue(pending.Value, out var first))
            {
                diagnostics.Error(
                    DiagnosticCodes.DuplicateKey,
                    $"duplicate key '{pending.Value}' (first defined at line {first.Location.Line})",
                    pending.Location,
                    "keep one of them");
                return;
            }

            frame.Keys[pending.Value] = pending;
            frame.Entries.Add(new(pending, node));
        }

        private SourceLocation Loc(ParsingEvent e) => Location(file, e.Start);
    }
}
