using System.Globalization;

namespace Labd.Runs;

/// <summary>
/// Memory and pids limits for a run when labd has no systemd to put it in a transient unit
/// (<c>labd --foreground</c>): the supervisor makes a leaf per run under a labd-owned subtree
/// (<c>labd/&lt;run&gt;</c>) of the memory and pids controllers, writes the limits and starts the
/// chain inside it. cgroup v2 (<c>memory.max</c>, <c>pids.max</c>) where the unified hierarchy
/// carries the controllers, else the v1 hierarchies (<c>memory.limit_in_bytes</c> and
/// <c>memory.memsw.limit_in_bytes</c>, so swap does not extend it; <c>pids.max</c>). The
/// kernel's OOM killer then ends the balloon inside the leaf, not a process elsewhere.
/// See Documentation/admin-guide/cgroup-v2.rst and cgroup-v1/memory.rst.
/// </summary>
internal sealed class CgroupLeaf
{
    internal const string Root = "/sys/fs/cgroup";

    private readonly List<string> _directories;

    private CgroupLeaf(List<string> directories) => _directories = directories;

    /// <summary>The leaf directories (one for v2; memory and pids for v1).</summary>
    public IReadOnlyList<string> Directories => _directories;

    /// <summary>The cgroup.procs files a process writes its pid to, to enter the leaf.</summary>
    public IEnumerable<string> ProcsFiles => _directories.Select(d => Path.Combine(d, "cgroup.procs"));

    /// <summary>Creates the leaf with the limits, or returns null (and says why) when no
    /// writable hierarchy carries the controllers.</summary>
    public static CgroupLeaf? TryCreate(string runId, long? memoryBytes, int? pids, out string? unavailable)
    {
        unavailable = null;
        if (memoryBytes is null && pids is null)
        {
            return null;
        }
        try
        {
            return File.Exists(Path.Combine(Root, "cgroup.controllers")) ? CreateV2(runId, memoryBytes, pids) : CreateV1(runId, memoryBytes, pids);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            unavailable = e.Message;
            return null;
        }
    }

    private static CgroupLeaf CreateV2(string runId, long? memoryBytes, int? pids)
    {
        var controllers = new List<string>();
        if (memoryBytes is not null)
        {
            controllers.Add("+memory");
        }
        if (pids is not null)
        {
            controllers.Add("+pids");
        }
        var labd = Path.Combine(Root, "labd");
        Directory.CreateDirectory(labd);
        File.WriteAllText(Path.Combine(Root, "cgroup.subtree_control"), string.Join(' ', controllers));
        File.WriteAllText(Path.Combine(labd, "cgroup.subtree_control"), string.Join(' ', controllers));
        var leaf = Path.Combine(labd, runId);
        Directory.CreateDirectory(leaf);
        if (memoryBytes is long bytes)
        {
            File.WriteAllText(Path.Combine(leaf, "memory.max"), Number(bytes));
            TryWrite(Path.Combine(leaf, "memory.swap.max"), "0");
        }
        if (pids is int max)
        {
            File.WriteAllText(Path.Combine(leaf, "pids.max"), Number(max));
        }
        return new CgroupLeaf([leaf]);
    }

    private static CgroupLeaf CreateV1(string runId, long? memoryBytes, int? pids)
    {
        var dirs = new List<string>();
        if (memoryBytes is long bytes)
        {
            var leaf = Path.Combine(Root, "memory", "labd", runId);
            Directory.CreateDirectory(leaf);
            dirs.Add(leaf);
            File.WriteAllText(Path.Combine(leaf, "memory.limit_in_bytes"), Number(bytes));
            TryWrite(Path.Combine(leaf, "memory.memsw.limit_in_bytes"), Number(bytes));
        }
        if (pids is int max)
        {
            var leaf = Path.Combine(Root, "pids", "labd", runId);
            Directory.CreateDirectory(leaf);
            dirs.Add(leaf);
            File.WriteAllText(Path.Combine(leaf, "pids.max"), Number(max));
        }
        return new CgroupLeaf(dirs);
    }

    /// <summary>How many times the kernel's OOM killer killed a process in the leaf (v2
    /// <c>memory.events</c>, v1 <c>memory.oom_control</c>: their <c>oom_kill</c> line); 0 when unknown.</summary>
    public long OomKills() =>
        _directories.Select(d => ReadOomKills(Path.Combine(d, "memory.events")) + ReadOomKills(Path.Combine(d, "memory.oom_control"))).Sum();

    /// <summary>
    /// The OOM kills in this process's own memory cgroup: under systemd the supervisor and its
    /// sandbox share the run's transient unit, which carries <c>MemoryMax</c>. cgroup v2's
    /// <c>0::/path</c> line, else v1's memory controller line, of /proc/self/cgroup.
    /// </summary>
    public static long OwnOomKills()
    {
        try
        {
            return OwnMemoryCgroup(File.ReadAllText("/proc/self/cgroup")) is { } dir
                ? ReadOomKills(Path.Combine(dir, "memory.events")) + ReadOomKills(Path.Combine(dir, "memory.oom_control"))
                : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>The memory cgroup directory named by a /proc/PID/cgroup text (cgroup(7)); null when none.</summary>
    internal static string? OwnMemoryCgroup(string procCgroup)
    {
        string? v2 = null;
        foreach (var line in procCgroup.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(':', 3);
            if (fields.Length != 3)
            {
                continue;
            }
            if (fields[1].Split(',').Contains("memory"))
            {
                return Root + "/memory" + fields[2].TrimEnd('/');
            }
            if (fields[0] == "0" && fields[1].Length == 0)
            {
                v2 = (File.Exists(Path.Combine(Root, "cgroup.controllers")) ? Root : Root + "/unified") + fields[2].TrimEnd('/');
            }
        }
        return v2;
    }

    /// <summary>The <c>oom_kill N</c> counter of a memory.events or memory.oom_control text.</summary>
    internal static long ParseOomKills(string text) =>
        text.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length == 2 && f[0] == "oom_kill" && long.TryParse(f[1], CultureInfo.InvariantCulture, out _))
            .Select(f => long.Parse(f[1], CultureInfo.InvariantCulture))
            .FirstOrDefault();

    private static long ReadOomKills(string file)
    {
        try
        {
            return File.Exists(file) ? ParseOomKills(File.ReadAllText(file)) : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Removes the leaf once the sandbox's processes are gone (rmdir fails with EBUSY
    /// while a task is left; the uid sweep has killed them, so a few retries suffice).</summary>
    public void Remove()
    {
        foreach (var dir in _directories)
        {
            for (var attempt = 0; attempt < 50 && Directory.Exists(dir); attempt++)
            {
                try
                {
                    Directory.Delete(dir);
                }
                catch (IOException)
                {
                    Thread.Sleep(20);
                }
            }
        }
    }

    private static void TryWrite(string path, string value)
    {
        if (File.Exists(path))
        {
            File.WriteAllText(path, value);
        }
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
