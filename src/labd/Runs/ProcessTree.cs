using System.Globalization;

namespace Labd.Runs;

/// <summary>Reads the host's /proc to find a sandbox's processes (children lists, states, owners).</summary>
internal static class ProcessTree
{
    /// <summary>Direct children of <paramref name="pid"/> across all its threads (Go programs fork
    /// from any thread, and /proc/PID/task/TID/children is per thread).</summary>
    public static IReadOnlyList<int> Children(int pid)
    {
        var result = new List<int>();
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                var text = ReadOrEmpty(Path.Combine(task, "children"));
                foreach (var token in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    result.Add(int.Parse(token, CultureInfo.InvariantCulture));
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
        }
        return result;
    }

    public static IReadOnlyList<int> Descendants(int pid)
    {
        var result = new List<int>();
        var queue = new Queue<int>(Children(pid));
        while (queue.TryDequeue(out var next))
        {
            result.Add(next);
            foreach (var child in Children(next))
            {
                queue.Enqueue(child);
            }
        }
        return result;
    }

    /// <summary>The state letter from /proc/PID/stat ('T' = stopped), or null if gone.</summary>
    public static char? State(int pid)
    {
        var stat = ReadOrEmpty($"/proc/{pid}/stat");
        var close = stat.LastIndexOf(')');
        return close < 0 || close + 2 >= stat.Length ? null : stat[close + 2];
    }

    /// <summary>The parent pid from /proc/PID/stat, or 0 if gone.</summary>
    public static int Parent(int pid)
    {
        var stat = ReadOrEmpty($"/proc/{pid}/stat");
        var close = stat.LastIndexOf(')');
        var fields = close < 0 ? [] : stat[(close + 2)..].Split(' ');
        return fields.Length > 1 && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent) ? parent : 0;
    }

    /// <summary>
    /// Live (not zombie) pids that hold <paramref name="uid"/> as real, effective, saved or
    /// filesystem uid, or <paramref name="gid"/> as any of the four gids or a supplementary group
    /// (the <c>Uid:</c>, <c>Gid:</c> and <c>Groups:</c> lines of /proc/PID/status, proc(5)): a
    /// set-user-ID leftover run by another user holds the uid as effective uid only, and can still
    /// act as it. <paramref name="realUidOnly"/> is the old rule, kept for a negative control.
    /// Zombies are skipped: they hold nothing and only their parent (often init) can reap them.
    /// </summary>
    public static IReadOnlyList<int> Holding(int uid, int? gid = null, bool realUidOnly = false)
    {
        var result = new List<int>();
        var u = uid.ToString(CultureInfo.InvariantCulture);
        var g = gid?.ToString(CultureInfo.InvariantCulture);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            var holds = false;
            foreach (var line in ReadOrEmpty(Path.Combine(dir, "status")).Split('\n'))
            {
                var fields = line.Split('\t', ' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length == 0)
                {
                    continue;
                }
                if (fields[0] == "State:" && line.Contains('Z', StringComparison.Ordinal))
                {
                    holds = false;
                    break;
                }
                holds |= fields[0] switch
                {
                    "Uid:" => realUidOnly ? fields.Length > 1 && fields[1] == u : fields.Skip(1).Contains(u),
                    "Gid:" or "Groups:" => !realUidOnly && g is not null && fields.Skip(1).Contains(g),
                    _ => false,
                };
            }
            if (holds)
            {
                result.Add(pid);
            }
        }
        return result;
    }

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
