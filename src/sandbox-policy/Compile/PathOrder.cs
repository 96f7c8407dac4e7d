namespace Labd.SandboxPolicy;

/// <summary>
/// Orders paths segment by segment with ordinal comparison, so a parent always precedes its
/// children (bwrap applies later binds over earlier ones) and the order is deterministic.
/// </summary>
public sealed class PathOrder : IComparer<string>
{
    public static PathOrder Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        var a = (x ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        var b = (y ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            var c = string.CompareOrdinal(a[i], b[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return a.Length.CompareTo(b.Length);
    }
}
