using System.Text;
using System.Text.RegularExpressions;
using Labd.Protocol;

namespace Labd.Tracker;

/// <summary>Lab ids (<c>[a-z0-9][a-z0-9-]{0,39}</c>), metric names and directions, tags.</summary>
internal static partial class LabNames
{
    public const int MaxLength = 40;

    public static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id);

    /// <summary>A lab id made from a directory name: lower case, runs of anything else become one dash.</summary>
    public static string Slugify(string name)
    {
        var slug = new StringBuilder();
        foreach (var c in name.ToLowerInvariant())
        {
            if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9'))
            {
                slug.Append(c);
            }
            else if (slug.Length > 0 && slug[^1] != '-')
            {
                slug.Append('-');
            }
        }
        var text = slug.ToString().Trim('-');
        if (text.Length > MaxLength)
        {
            text = text[..MaxLength].TrimEnd('-');
        }
        return text.Length == 0 ? "lab" : text;
    }

    public static LabMetric CheckMetric(string? name, string? direction)
    {
        if (name is null || !MetricPattern().IsMatch(name))
        {
            throw new LabdException(ErrorCode.BadRequest, $"metric name '{name}' is not valid; use letters, digits and _ . - / (at most 64), e.g. score or val/loss");
        }
        if (direction is not (LabMetric.Max or LabMetric.Min))
        {
            throw new LabdException(ErrorCode.BadRequest, $"metric {name}: direction '{direction}' is not valid; use max (higher is better) or min (lower is better)");
        }
        return new LabMetric(name, direction);
    }

    public static string CheckTag(string? tag)
    {
        if (tag is null || !TagPattern().IsMatch(tag))
        {
            throw new LabdException(ErrorCode.BadRequest, $"tag '{tag}' is not valid; use letters, digits and _ . - : / (at most 64), e.g. baseline");
        }
        return tag;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,39}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Za-z0-9_./-]{1,64}$")]
    private static partial Regex MetricPattern();

    [GeneratedRegex("^[A-Za-z0-9_.:/-]{1,64}$")]
    private static partial Regex TagPattern();
}
