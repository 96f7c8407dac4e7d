using Labd.Interop;
using Labd.Protocol;

namespace Labd.Tracker;

/// <summary>A path a caller names as a lab: absolute, an existing directory, no symlink on the way.</summary>
internal static class LabPath
{
    public static string Check(string? path)
    {
        if (string.IsNullOrEmpty(path) || !Path.IsPathFullyQualified(path))
        {
            throw new LabdException(ErrorCode.BadRequest, $"lab path must be absolute, got '{path}'; labctl sends the full path of what you name");
        }
        var full = Normalize(path);
        var prefix = "/";
        foreach (var part in full.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            prefix = Path.Combine(prefix, part);
            if (new FileInfo(prefix).LinkTarget is not null)
            {
                throw new LabdException(ErrorCode.BadRequest, $"lab path {full}: {prefix} is a symlink; register the resolved path (`realpath {full}`)");
            }
        }
        if (!Directory.Exists(full))
        {
            throw new LabdException(ErrorCode.BadRequest, $"lab path {full} does not exist or is not a directory; pass the root of a git repository you own");
        }
        return full;
    }

    public static string Normalize(string path)
    {
        var full = Path.GetFullPath(path);
        return full.Length > 1 ? Path.TrimEndingDirectorySeparator(full) : full;
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="root"/> or beneath it (on a component boundary).</summary>
    public static bool Contains(string root, string path) =>
        path == root || (path.StartsWith(root, StringComparison.Ordinal) && (root == "/" || path[root.Length] == '/'));

    /// <summary>The primary gid of <paramref name="uid"/> from /etc/passwd; the uid itself when unknown.</summary>
    public static int PrimaryGid(int uid)
    {
        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var fields = line.Split(':');
            if (fields.Length >= 4 && int.TryParse(fields[2], System.Globalization.CultureInfo.InvariantCulture, out var id) && id == uid
                && int.TryParse(fields[3], System.Globalization.CultureInfo.InvariantCulture, out var gid))
            {
                return gid;
            }
        }
        return uid;
    }

    public static int Owner(string path) => FileStatus.Owner(path);
}
