namespace Labctl.Output;

/// <summary>
/// An aligned text table: columns padded to their widest cell, two spaces apart, the last
/// column unpadded. Colours are applied after padding so escape codes do not skew widths.
/// Every cell and header is <see cref="TerminalText.Escape(string?)"/>d: cells hold labd's (and agents') text.
/// </summary>
internal sealed class Table(params string[] headers)
{
    private readonly string[] _headers = [.. headers.Select(TerminalText.Escape)];

    private readonly List<(string[] Cells, string?[] Colors)> _rows = [];

    public Table Add(params string[] cells) => AddColored(new string?[cells.Length], cells);

    public Table AddColored(string?[] colors, params string[] cells)
    {
        if (cells.Length != _headers.Length)
        {
            throw new ArgumentException($"row has {cells.Length} cells, table has {_headers.Length} columns", nameof(cells));
        }
        _rows.Add(([.. cells.Select(TerminalText.Escape)], colors));
        return this;
    }

    public int Count => _rows.Count;

    public void Write(TextWriter output, bool useColor, string indent = "")
    {
        var widths = new int[_headers.Length];
        for (var c = 0; c < _headers.Length; c++)
        {
            widths[c] = Math.Max(_headers[c].Length, _rows.Count == 0 ? 0 : _rows.Max(r => r.Cells[c].Length));
        }
        WriteRow(output, useColor, indent, widths, _headers, [.. _headers.Select(_ => (string?)Paint.Bold)]);
        foreach (var (cells, colors) in _rows)
        {
            WriteRow(output, useColor, indent, widths, cells, colors);
        }
    }

    private static void WriteRow(TextWriter output, bool useColor, string indent, int[] widths, string[] cells, string?[] colors)
    {
        output.Write(indent);
        for (var c = 0; c < cells.Length; c++)
        {
            var last = c == cells.Length - 1;
            var text = last ? cells[c] : cells[c].PadRight(widths[c]);
            output.Write(Paint.Apply(useColor, colors.Length > c ? colors[c] : null, text));
            if (!last)
            {
                output.Write("  ");
            }
        }
        output.WriteLine();
    }
}
