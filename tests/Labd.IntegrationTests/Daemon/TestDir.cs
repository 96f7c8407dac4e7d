namespace Labd.IntegrationTests.Daemon;

/// <summary>A test-owned directory under /tmp named labdt-*, traversable by the test users, removed afterwards.</summary>
internal sealed class TestDir : IDisposable
{
    public TestDir()
    {
        Path = Directory.CreateTempSubdirectory("labdt-daemon-").FullName;
        File.SetUnixFileMode(Path, (UnixFileMode)0b111_101_101);
    }

    public string Path { get; }

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    public void Dispose()
    {
        // labd binds its state directory onto itself (nosuid,nodev) in the host's mount namespace;
        // that mount outlives labd, so detach every mount under this directory first.
        foreach (var mountPoint in MountsUnder(Path))
        {
            Labd.Interop.Mounts.TryDetach(mountPoint);
        }
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A socket or file still in use by a dying process; /tmp is cleaned eventually.
        }
    }

    /// <summary>Mount points at or below <paramref name="root"/>, deepest first (the fifth field of
    /// /proc/self/mountinfo; test directories have no blanks, which proc(5) would escape).</summary>
    internal static List<string> MountsUnder(string root) =>
    [
        .. File.ReadLines("/proc/self/mountinfo")
            .Select(line => line.Split(' ')[4])
            .Where(point => point == root || point.StartsWith(root + "/", StringComparison.Ordinal))
            .Distinct()
            .OrderByDescending(point => point.Length),
    ];
}
