using System.Globalization;

namespace Labd.SandboxPolicy;

/// <summary>Sizes (<c>16G</c>, <c>512M</c>), durations (<c>2h</c>, <c>1h30m</c>, <c>90s</c>) and counts.</summary>
public static class ValueParsers
{
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(30);

    /// <summary>Binary units: K = 1024. Accepts <c>16G</c>, <c>16GiB</c>, <c>16GB</c>, <c>1.5G</c>, or plain bytes.</summary>
    public static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        var s = text.Trim();
        var end = 0;
        while (end < s.Length && (char.IsAsciiDigit(s[end]) || s[end] == '.'))
        {
            end++;
        }

        if (end == 0 || end > 20 || !decimal.TryParse(s[..end], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        long multiplier = s[end..].ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "K" or "KB" or "KIB" => 1L << 10,
            "M" or "MB" or "MIB" => 1L << 20,
            "G" or "GB" or "GIB" => 1L << 30,
            "T" or "TB" or "TIB" => 1L << 40,
            _ => 0,
        };
        if (multiplier == 0 || number > long.MaxValue / multiplier)
        {
            return false;
        }

        bytes = (long)decimal.Round(number * multiplier);
        return bytes > 0;
    }

    /// <summary>Accepts a sequence of number+unit pairs: <c>2h</c>, <c>30m</c>, <c>90s</c>, <c>1d</c>, <c>1h30m</c>.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var i = 0;
        var total = 0.0;
        if (text.Length is 0 or > 32)
        {
            return false;
        }

        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == start || i == text.Length || i - start > 9)
            {
                return false;
            }

            var value = double.Parse(text[start..i], CultureInfo.InvariantCulture);
            total += text[i] switch
            {
                'd' => value * 86400,
                'h' => value * 3600,
                'm' => value * 60,
                's' => value,
                _ => double.NaN,
            };
            i++;
        }

        if (double.IsNaN(total) || total <= 0 || total > MaxTimeout.TotalSeconds)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(total);
        return true;
    }

    public static bool TryParseCount(string text, int min, int max, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;

    public static bool TryParseCpus(string text, out double cpus) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out cpus) && cpus > 0 && cpus <= 4096;

    /// <summary>The shortest exact spelling of a size: <c>16G</c>, <c>512M</c>, or bytes.</summary>
    public static string FormatSize(long bytes)
    {
        foreach (var (unit, shift) in new[] { ("T", 40), ("G", 30), ("M", 20), ("K", 10) })
        {
            if (bytes % (1L << shift) == 0)
            {
                return (bytes >> shift).ToString(CultureInfo.InvariantCulture) + unit;
            }
        }

        return bytes.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary><c>2h</c>, <c>1h30m</c>, <c>90s</c> style.</summary>
    public static string FormatDuration(TimeSpan duration)
    {
        var seconds = (long)duration.TotalSeconds;
        var parts = new List<string>();
        foreach (var (unit, size) in new[] { ("d", 86400L), ("h", 3600L), ("m", 60L), ("s", 1L) })
        {
            if (seconds >= size)
            {
                parts.Add((seconds / size).ToString(CultureInfo.InvariantCulture) + unit);
                seconds %= size;
            }
        }

        return parts.Count == 0 ? "0s" : string.Concat(parts);
    }
}
