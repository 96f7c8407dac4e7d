namespace Labd.Tracker;

/// <summary>
/// What sandboxes need of a lab directory. Sandboxes run under their own uids and read the lab as
/// others do (the shipped policies bind <c>${LAB}</c> read-only, and every bind below it is
/// reached through it), so the lab directory itself must grant others read and search. Its parents
/// need not: labd binds the lab by descriptor from a staging point the sandbox can reach
/// (<see cref="Runs.BindStage"/>), so a 0700 home stays 0700.
/// </summary>
internal static class LabReach
{
    /// <summary>Why sandboxes cannot read the lab at <paramref name="path"/>, with the fix; null when they can.</summary>
    public static string? Problem(string path)
    {
        UnixFileMode mode;
        try
        {
            mode = File.GetUnixFileMode(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"lab directory {path} cannot be read ({e.Message}); restore it or `labctl lab rm` the lab";
        }
        const UnixFileMode OthersReadSearch = UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        if ((mode & OthersReadSearch) == OthersReadSearch)
        {
            return null;
        }
        var octal = Convert.ToString((int)mode, 8).PadLeft(4, '0');
        return $"lab directory {path} is mode {octal}: sandboxes run under their own uids and read the lab as others do; " +
            $"run `chmod o+rx {path}` (its parents, such as a 0700 home, may stay as they are)";
    }
}
