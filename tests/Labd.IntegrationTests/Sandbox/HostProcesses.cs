using System.Globalization;

namespace Labd.IntegrationTests.Sandbox;

/// <summary>The host's process table as the escape suite's oracles read it.</summary>
internal static class HostProcesses
{
    /// <summary>Pids whose command line contains <paramref name="marker"/>.</summary>
    public static List<int> With(string marker)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(marker, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
            }
        }
        return found;
    }

    /// <summary>The process's real uid; 0 when it has gone (never mistaken for a sandbox uid).</summary>
    public static int UidOf(int pid) => StatusField(pid, "Uid:") is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : 0;

    public static int CountOwnedBy(int uid) => Labd.Runs.ProcessTree.Holding(uid, realUidOnly: true).Count;

    /// <summary>The host uid running a process whose argv holds <paramref name="marker"/> as an unprivileged user.</summary>
    public static async Task<int> SandboxUidAsync(string marker, CancellationToken cancellationToken)
    {
        await WaitUntilAsync(() => With(marker).Any(p => UidOf(p) > 0), TimeSpan.FromSeconds(30), cancellationToken);
        return With(marker).Select(UidOf).First(u => u > 0);
    }

    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan limit, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, cancellationToken);
        }
    }

    private static string? StatusField(int pid, string field)
    {
        try
        {
            return File.ReadAllLines($"/proc/{pid}/status").First(l => l.StartsWith(field, StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            return null;
        }
    }
}
