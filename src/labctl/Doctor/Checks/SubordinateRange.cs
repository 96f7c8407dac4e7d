using System.Globalization;

namespace Labctl.Doctor.Checks;

/// <summary>One line of /etc/subuid or /etc/subgid: <c>owner:start:count</c> (subuid(5)).</summary>
internal sealed record SubordinateRange(string Owner, long Start, long Count)
{
    public long End => Start + Count;

    public static IReadOnlyList<SubordinateRange> Parse(string? text) =>
        (text ?? "").Split('\n')
            .Select(line => line.Trim().Split(':'))
            .Where(f => f.Length == 3
                && long.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out _)
                && long.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .Select(f => new SubordinateRange(f[0], long.Parse(f[1], CultureInfo.InvariantCulture), long.Parse(f[2], CultureInfo.InvariantCulture)))
            .ToList();
}
