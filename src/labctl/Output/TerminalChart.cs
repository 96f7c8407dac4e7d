using System.Globalization;
using System.Text;
using Labd.Protocol;

namespace Labctl.Output;

/// <summary>
/// The progress chart in a terminal: each experiment as a dot, the best-so-far as a step line,
/// fitted to a width. Unicode blocks on a colour terminal, plain ASCII otherwise.
/// </summary>
internal static class TerminalChart
{
    public const int Height = 12;

    public static string Render(IReadOnlyList<ProgressPoint> points, int width, bool unicode)
    {
        if (points.Count == 0)
        {
            return "no succeeded experiment has this metric yet\n";
        }
        var (min, max) = PngChart.Range(points);
        var top = Format(max);
        var bottom = Format(min);
        var labelWidth = Math.Max(top.Length, bottom.Length);
        var columns = Math.Max(10, width - labelWidth - 2);
        var grid = new char[Height, columns];
        for (var r = 0; r < Height; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                grid[r, c] = ' ';
            }
        }
        int Column(int i) => points.Count == 1 ? 0 : (int)Math.Round((columns - 1) * (double)i / (points.Count - 1));
        int Row(double v) => Height - 1 - (int)Math.Round((Height - 1) * (v - min) / (max - min));
        var line = unicode ? '━' : '=';
        var dot = unicode ? '•' : '*';
        var next = 0;
        for (var c = 0; c < columns; c++)
        {
            while (next + 1 < points.Count && Column(next + 1) <= c)
            {
                next++;
            }
            grid[Row(points[next].Best), c] = line;
        }
        for (var i = 0; i < points.Count; i++)
        {
            var row = Row(points[i].Value);
            if (grid[row, Column(i)] != line)
            {
                grid[row, Column(i)] = dot;
            }
        }
        var text = new StringBuilder();
        for (var r = 0; r < Height; r++)
        {
            var label = r == 0 ? top : r == Height - 1 ? bottom : "";
            text.Append(label.PadLeft(labelWidth)).Append(unicode ? " ┤" : " |");
            for (var c = 0; c < columns; c++)
            {
                text.Append(grid[r, c]);
            }
            text.Append('\n');
        }
        text.Append(new string(' ', labelWidth)).Append(unicode ? " └" : " +").Append(new string(unicode ? '─' : '-', columns)).Append('\n');
        var first = points[0].Label;
        var last = points[^1].Label;
        text.Append(new string(' ', labelWidth + 2)).Append(first);
        if (points.Count > 1)
        {
            text.Append(last.PadLeft(Math.Max(last.Length + 1, columns - first.Length)));
        }
        text.Append('\n');
        text.Append(CultureInfo.InvariantCulture, $"{line} best so far   {dot} an experiment   ({points.Count} experiments, in the order they ended)\n");
        return text.ToString();
    }

    private static string Format(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
