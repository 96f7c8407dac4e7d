namespace Labctl.Doctor;

/// <summary>
/// The machine as doctor sees it: a root that host paths are read under (<c>/</c>, or a test's
/// directory), the directories searched for programs, labd's socket, and how to run a probe
/// program. Tests point all of it at temporary files.
/// </summary>
internal sealed class HostProbe(
    string root,
    IReadOnlyList<string> searchPath,
    string socketPath,
    bool isRoot,
    Func<string, IReadOnlyList<string>, CancellationToken, Task<ProbeResult>> runProgram)
{
    /// <summary>labd runs as root, whose PATH has the sbin directories; a user's PATH often lacks them.</summary>
    public static readonly IReadOnlyList<string> SbinDirectories = ["/usr/local/sbin", "/usr/sbin", "/sbin"];

    public string SocketPath { get; } = socketPath;

    public bool IsRoot { get; } = isRoot;

    public IReadOnlyList<string> SearchPath { get; } = searchPath;

    /// <summary>Where the host path <paramref name="absolute"/> is read.</summary>
    public string Path(string absolute) =>
        root is "/" or "" ? absolute : System.IO.Path.Join(root, absolute);

    /// <summary>The trimmed text of the host file <paramref name="absolute"/>, or null if it cannot be read.</summary>
    public string? ReadTrimmed(string absolute)
    {
        try
        {
            return File.ReadAllText(Path(absolute)).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The first executable named <paramref name="program"/> on the search path.</summary>
    public string? Which(string program)
    {
        foreach (var directory in SearchPath)
        {
            var candidate = System.IO.Path.Join(directory, program);
            if (File.Exists(candidate) && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
            {
                return candidate;
            }
        }
        return null;
    }

    public Task<ProbeResult> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        runProgram(program, arguments, cancellationToken);

    public static HostProbe ForProcess(string root, string socketPath, string? pathVariable)
    {
        var searchPath = (pathVariable ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(SbinDirectories)
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        return new HostProbe(root, searchPath, socketPath, string.Equals(Environment.UserName, "root", StringComparison.Ordinal), ProgramRunner.RunAsync);
    }
}
