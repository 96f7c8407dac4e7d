using Labd.Protocol;

namespace Labctl.Output;

/// <summary>
/// The progress chart as a PNG: axes with ticks, each experiment's value as a grey dot, and the
/// best-so-far as a blue line, experiments in the order they ended along x.
/// </summary>
internal sealed class PngChart
{
    public static readonly (byte R, byte G, byte B) Background = (255, 255, 255);
    public static readonly (byte R, byte G, byte B) Axis = (0, 0, 0);
    public static readonly (byte R, byte G, byte B) Point = (150, 150, 150);
    public static readonly (byte R, byte G, byte B) BestLine = (30, 100, 220);

    internal const int Left = 50;
    internal const int Right = 20;
    internal const int Top = 20;
    internal const int Bottom = 40;

    private readonly int _width;
    private readonly int _height;
    private readonly byte[] _rgb;

    private PngChart(int width, int height)
    {
        _width = width;
        _height = height;
        _rgb = new byte[width * height * 3];
        Fill(0, 0, width, height, Background);
    }

    public static byte[] Render(IReadOnlyList<ProgressPoint> points, int width = 800, int height = 400)
    {
        var chart = new PngChart(width, height);
        chart.Draw(points);
        return PngEncoder.Encode(width, height, chart._rgb);
    }

    private void Draw(IReadOnlyList<ProgressPoint> points)
    {
        int x0 = Left, y0 = _height - Bottom, x1 = _width - Right, y1 = Top;
        Line(x0, y0, x1, y0, Axis, 1);
        Line(x0, y0, x0, y1, Axis, 1);
        for (var i = 0; i <= 5; i++)
        {
            var x = x0 + ((x1 - x0) * i / 5);
            var y = y0 - ((y0 - y1) * i / 5);
            Line(x, y0, x, y0 + 5, Axis, 1);
            Line(x0 - 5, y, x0, y, Axis, 1);
        }
        if (points.Count == 0)
        {
            return;
        }
        var (min, max) = Range(points);
        int X(int i) => points.Count == 1 ? (x0 + x1) / 2 : x0 + 4 + (int)Math.Round((x1 - x0 - 8) * (double)i / (points.Count - 1));
        int Y(double v) => y0 - 4 - (int)Math.Round((y0 - y1 - 8) * (v - min) / (max - min));
        for (var i = 0; i < points.Count; i++)
        {
            Fill(X(i) - 1, Y(points[i].Value) - 1, 3, 3, Point);
        }
        for (var i = 1; i < points.Count; i++)
        {
            // A step: level until the next experiment, then up or down to its best.
            Line(X(i - 1), Y(points[i - 1].Best), X(i), Y(points[i - 1].Best), BestLine, 2);
            Line(X(i), Y(points[i - 1].Best), X(i), Y(points[i].Best), BestLine, 2);
        }
        if (points.Count == 1)
        {
            Fill(X(0) - 2, Y(points[0].Best) - 2, 5, 5, BestLine);
        }
    }

    public static (double Min, double Max) Range(IReadOnlyList<ProgressPoint> points)
    {
        var min = points.Min(p => Math.Min(p.Value, p.Best));
        var max = points.Max(p => Math.Max(p.Value, p.Best));
        if (max - min < 1e-12)
        {
            var pad = Math.Abs(max) > 1e-12 ? Math.Abs(max) * 0.1 : 1;
            return (min - pad, max + pad);
        }
        return (min, max);
    }

    private void Line(int xa, int ya, int xb, int yb, (byte, byte, byte) color, int thickness)
    {
        // Bresenham, with a square pen of the given thickness.
        int dx = Math.Abs(xb - xa), dy = -Math.Abs(yb - ya), sx = xa < xb ? 1 : -1, sy = ya < yb ? 1 : -1, error = dx + dy;
        while (true)
        {
            Fill(xa, ya, thickness, thickness, color);
            if (xa == xb && ya == yb)
            {
                return;
            }
            var e2 = 2 * error;
            if (e2 >= dy)
            {
                error += dy;
                xa += sx;
            }
            if (e2 <= dx)
            {
                error += dx;
                ya += sy;
            }
        }
    }

    private void Fill(int x, int y, int w, int h, (byte R, byte G, byte B) color)
    {
        for (var yy = Math.Max(0, y); yy < Math.Min(_height, y + h); yy++)
        {
            for (var xx = Math.Max(0, x); xx < Math.Min(_width, x + w); xx++)
            {
                var i = ((yy * _width) + xx) * 3;
                _rgb[i] = color.R;
                _rgb[i + 1] = color.G;
                _rgb[i + 2] = color.B;
            }
        }
    }
}
