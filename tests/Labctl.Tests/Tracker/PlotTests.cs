using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Labctl.Output;
using Labd.Protocol;

namespace Labctl.Tests.Tracker;

public sealed class PlotTests
{
    private static readonly ProgressPoint[] Points =
    [
        new("exp/1.1", DateTimeOffset.UnixEpoch, 0.5, 0.5),
        new("exp/1.2", DateTimeOffset.UnixEpoch, 0.3, 0.5),
        new("exp/2.1", DateTimeOffset.UnixEpoch, 0.8, 0.8),
        new("exp/2.2", DateTimeOffset.UnixEpoch, 0.9, 0.9),
    ];

    [Fact]
    public void The_png_decodes_with_valid_chunk_crcs_and_draws_the_best_so_far_line()
    {
        var png = PngChart.Render(Points, 400, 200);

        var (width, height, pixels) = Decode(png);
        Assert.Equal((400, 200), (width, height));
        var best = CountColour(pixels, PngChart.BestLine);
        var dots = CountColour(pixels, PngChart.Point);
        // A 2-pixel line across most of the plot's width, plus the rises.
        Assert.InRange(best, 2 * 250, 2 * 600);
        Assert.InRange(dots, 4, 4 * 9);
    }

    [Fact]
    public void An_empty_chart_still_decodes_and_has_no_line()
    {
        var (_, _, pixels) = Decode(PngChart.Render([], 120, 80));

        Assert.Equal(0, CountColour(pixels, PngChart.BestLine));
        Assert.True(CountColour(pixels, PngChart.Axis) > 0);
    }

    [Fact]
    public void A_corrupted_chunk_is_caught_by_the_crc_check()
    {
        var png = PngChart.Render(Points, 100, 60);
        png[20] ^= 0x01; // inside IHDR's data

        Assert.Throws<InvalidDataException>(() => Decode(png));
    }

    [Fact]
    public void The_terminal_chart_fits_the_width_and_uses_ascii_without_colour()
    {
        var text = TerminalChart.Render(Points, 60, unicode: false);

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines.Take(TerminalChart.Height + 1), line => Assert.True(line.Length <= 60, line));
        Assert.All(text, c => Assert.True(c < 128, $"non-ASCII {c}"));
        Assert.Contains('=', lines[0]);
        Assert.StartsWith("0.9", lines[0].TrimStart(), StringComparison.Ordinal);
        Assert.Contains("exp/1.1", text, StringComparison.Ordinal);
        Assert.Contains("exp/2.2", text, StringComparison.Ordinal);
    }

    /// <summary>An independent decoder: signature, every chunk's CRC (bitwise CRC-32), IHDR, inflated IDAT with filter 0.</summary>
    private static (int Width, int Height, byte[] Rgb) Decode(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        var offset = 8;
        int width = 0, height = 0;
        using var idat = new MemoryStream();
        var sawEnd = false;
        while (offset < png.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
            var type = Encoding.ASCII.GetString(png, offset + 4, 4);
            var data = png.AsSpan(offset + 8, length);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset + 8 + length));
            if (crc != BitwiseCrc(png.AsSpan(offset + 4, 4 + length)))
            {
                throw new InvalidDataException($"chunk {type}: bad CRC");
            }
            switch (type)
            {
                case "IHDR":
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    Assert.Equal(new byte[] { 8, 2, 0, 0, 0 }, data[8..13].ToArray());
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
                case "IEND":
                    sawEnd = true;
                    break;
            }
            offset += 12 + length;
        }
        Assert.True(sawEnd);
        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionMode.Decompress))
        {
            zlib.CopyTo(inflated);
        }
        var raw = inflated.ToArray();
        var stride = width * 3;
        Assert.Equal(height * (stride + 1), raw.Length);
        var rgb = new byte[height * stride];
        for (var y = 0; y < height; y++)
        {
            Assert.Equal(0, raw[y * (stride + 1)]);
            Array.Copy(raw, (y * (stride + 1)) + 1, rgb, y * stride, stride);
        }
        return (width, height, rgb);
    }

    private static int CountColour(byte[] rgb, (byte R, byte G, byte B) colour)
    {
        var count = 0;
        for (var i = 0; i < rgb.Length; i += 3)
        {
            if (rgb[i] == colour.R && rgb[i + 1] == colour.G && rgb[i + 2] == colour.B)
            {
                count++;
            }
        }
        return count;
    }

    private static uint BitwiseCrc(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
            }
        }
        return ~crc;
    }
}
