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

    /// <summary>Live (not zombie) pids whose real uid is <paramref name="uid"/>. Zombies are
    /// skipped: they hold nothing and only their parent (often init) can reap them.</summary>
    public static IReadOnlyList<int> OwnedBy(int uid)
    {
        var result = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            foreach (var line in ReadOrEmpty(Path.Combine(dir, "status")).Split('\n'))
            {
                if (line.StartsWith("State:", StringComparison.Ordinal) && line.Contains('Z', StringComparison.Ordinal))
                {
                    break;
                }
                if (line.StartsWith("Uid:", StringComparison.Ordinal))
                {
                    var fields = line.Split('\t', StringSplitOptions.RemoveEmptyEntries);
                    if (fields.Length > 1 && fields[1] == uid.ToString(CultureInfo.InvariantCulture))
                    {
                        result.Add(pid);
                    }
                    break;
                }
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
