using System.CommandLine.Parsing;
using System.Globalization;

namespace Labctl.Commands;

/// <summary>How <c>agent start|loop</c> reads time: <c>-d 15m</c> and <c>--until 8h</c> or an RFC 3339 instant.</summary>
internal static class AgentTimes
{
    /// <summary>20s, 15m, 2h, 1d, 1h30m or plain seconds, as a positive whole number of seconds; null when it is none of those.</summary>
    public static int? Seconds(string text)
    {
        try
        {
            return RunCommand.ParseDuration(text) is { } seconds and <= int.MaxValue ? (int)seconds : null;
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    /// <summary>An RFC 3339 instant (<c>2026-11-25T08:00:00Z</c>, <c>…+02:00</c>), or a duration from <paramref name="now"/> (<c>8h</c>).</summary>
    public static DateTimeOffset? Until(string text, DateTimeOffset now)
    {
        if (Seconds(text) is { } seconds)
        {
            return now.AddSeconds(seconds);
        }
        // RFC 3339 needs a date, a time and an offset: a bare "2026-11-25" or a local time is refused rather than guessed.
        var hasOffset = text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
        return text.Contains('T', StringComparison.OrdinalIgnoreCase) && hasOffset
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
            ? at
            : null;
    }

    /// <summary>A parser for <c>-d</c>: errors name the accepted forms.</summary>
    public static int ParseInterval(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (Seconds(text) is { } seconds)
        {
            return seconds;
        }
        result.AddError($"-d '{text}' is not a duration; use e.g. 20s, 15m, 2h or 1d");
        return 0;
    }

    /// <summary>A parser for <c>--until</c>, relative to the clock now; a time already past is an error.</summary>
    public static DateTimeOffset? ParseUntil(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        var now = DateTimeOffset.UtcNow;
        switch (Until(text, now))
        {
            case { } at when at > now:
                return at;
            case { } at:
                result.AddError($"--until {at.ToUniversalTime():yyyy-MM-dd'T'HH:mm:ss'Z'} is already past");
                return null;
            default:
                result.AddError($"--until '{text}' is neither a duration (8h, 2d) nor an RFC 3339 time (2026-11-25T08:00:00Z)");
                return null;
        }
    }
}
