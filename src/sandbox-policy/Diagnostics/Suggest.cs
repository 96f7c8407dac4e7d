namespace Labd.SandboxPolicy;

/// <summary>"Did you mean" by Levenshtein distance.</summary>
internal static class Suggest
{
    /// <summary>The closest candidate within a distance that still looks like a typo, or null.</summary>
    public static string? Closest(string input, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        var limit = Math.Max(1, Math.Min(3, input.Length / 2));
        foreach (var candidate in candidates)
        {
            var d = Distance(input.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (d < bestDistance)
            {
                bestDistance = d;
                best = candidate;
            }
        }

        return bestDistance <= limit ? best : null;
    }

    public static string? DidYouMean(string input, IEnumerable<string> candidates) =>
        Closest(input, candidates) is { } c ? $"did you mean '{c}'?" : null;

    public static int Distance(string a, string b)
    {
        if (a.Length > 64 || b.Length > 64)
        {
            return Math.Max(a.Length, b.Length);
        }

        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
