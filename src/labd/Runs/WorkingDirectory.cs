using Labd.Interop;
using Labd.Protocol;

namespace Labd.Runs;

/// <summary>
/// The directory a run starts in, as the caller named it: absolute, an existing directory,
/// no symlink on the way (checked without following any), and owned by the caller unless
/// the caller is an admin. It becomes <c>${LAB}</c> and <c>${WORKTREE}</c>, bound into the sandbox.
/// </summary>
internal static class WorkingDirectory
{
    public static string Check(string? path, int callerUid, bool callerIsAdmin)
    {
        if (string.IsNullOrEmpty(path) || !Path.IsPathFullyQualified(path))
        {
            throw new LabdException(ErrorCode.BadRequest, $"workingDirectory must be an absolute path, got '{path}'; labctl sends its current directory");
        }
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var prefix = "/";
        foreach (var part in full.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            prefix = Path.Combine(prefix, part);
            var info = new FileInfo(prefix);
            if (info.LinkTarget is not null)
            {
                throw new LabdException(ErrorCode.BadRequest, $"working directory {full}: {prefix} is a symlink; run from the resolved path (`cd \"$(realpath .)\"`)");
            }
        }
        if (!Directory.Exists(full))
        {
            throw new LabdException(ErrorCode.BadRequest, $"working directory {full} does not exist or is not a directory; run from an existing directory you own");
        }
        if (!callerIsAdmin && FileStatus.Owner(full) != callerUid)
        {
            throw new LabdException(ErrorCode.Forbidden, $"working directory {full} is not owned by you (uid {callerUid}); run from a directory you own, e.g. your worktree");
        }
        return full;
    }

    /// <summary>The home directory of <paramref name="uid"/> from /etc/passwd, or null.</summary>
    public static string? HomeOf(int uid)
    {
        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var fields = line.Split(':');
            if (fields.Length >= 7 && int.TryParse(fields[2], System.Globalization.CultureInfo.InvariantCulture, out var id) && id == uid)
            {
                return fields[5];
            }
        }
        return null;
    }
}
