namespace Labctl.Tests.Support;

/// <summary>A fresh directory under /tmp, removed on dispose. Short paths: Unix socket paths are limited to 108 bytes.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("labctl-").FullName;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Join([Path, .. parts]);

    /// <summary>Writes <paramref name="content"/> at the relative path, creating directories.</summary>
    public string Write(string relative, string content)
    {
        var path = Combine(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A socket or device node still in use; /tmp is cleaned eventually.
        }
    }
}
