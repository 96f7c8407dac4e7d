using System.Globalization;

namespace Labctl.Output;

/// <summary>Short human durations: <c>45s</c>, <c>3m12s</c>, <c>2h05m</c>, <c>4d03h</c>.</summary>
internal static class Durations
{
    public static string Format(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero;
        }
        return span.TotalDays >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalDays}d{span.Hours:00}h")
            : span.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}h{span.Minutes:00}m")
            : span.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes}m{span.Seconds:00}s")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalSeconds}s");
    }
}
