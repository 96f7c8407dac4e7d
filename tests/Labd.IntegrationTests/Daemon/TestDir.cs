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
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A socket or file still in use by a dying process; /tmp is cleaned eventually.
        }
    }
}
