using System.Globalization;

namespace Labd.Api;

/// <summary>
/// Users and groups from passwd(5) and group(5) files, re-read when a file changes so that
/// <c>usermod -aG labd alice</c> takes effect without restarting labd. Only local files are
/// consulted: labd's groups are local groups created by the package.
/// </summary>
internal sealed class UnixAccounts(string passwdPath = "/etc/passwd", string groupPath = "/etc/group")
{
    private readonly Lock _lock = new();
    private Snapshot _snapshot = Snapshot.Empty;

    public string? UserName(int uid) => Current().Users.TryGetValue(uid, out var user) ? user.Name : null;

    /// <summary>The primary gid of <paramref name="uid"/>; a uid without a passwd entry gets the gid of the same number.</summary>
    public int PrimaryGroup(int uid) => Current().Users.TryGetValue(uid, out var user) ? user.PrimaryGid : uid;

    public int? GroupId(string groupName) => Current().Groups.TryGetValue(groupName, out var group) ? group.Gid : null;

    /// <summary>Whether <paramref name="uid"/> belongs to <paramref name="groupName"/> as primary group, listed member, or via <paramref name="processGid"/>.</summary>
    public bool IsMember(int uid, int processGid, string groupName)
    {
        var snapshot = Current();
        if (!snapshot.Groups.TryGetValue(groupName, out var group))
        {
            return false;
        }
        if (group.Gid == processGid)
        {
            return true;
        }
        if (!snapshot.Users.TryGetValue(uid, out var user))
        {
            return false;
        }
        return user.PrimaryGid == group.Gid || group.Members.Contains(user.Name);
    }

    private Snapshot Current()
    {
        var stamp = (Stamp(passwdPath), Stamp(groupPath));
        lock (_lock)
        {
            if (_snapshot.Stamp != stamp)
            {
                _snapshot = new Snapshot(stamp, ParsePasswd(ReadLines(passwdPath)), ParseGroups(ReadLines(groupPath)));
            }
            return _snapshot;
        }
    }

    internal static Dictionary<int, UserEntry> ParsePasswd(IEnumerable<string> lines)
    {
        var users = new Dictionary<int, UserEntry>();
        foreach (var fields in Records(lines, 7))
        {
            if (TryId(fields[2], out var uid) && TryId(fields[3], out var gid))
            {
                users.TryAdd(uid, new UserEntry(fields[0], uid, gid));
            }
        }
        return users;
    }

    internal static Dictionary<string, GroupEntry> ParseGroups(IEnumerable<string> lines)
    {
        var groups = new Dictionary<string, GroupEntry>(StringComparer.Ordinal);
        foreach (var fields in Records(lines, 4))
        {
            if (TryId(fields[2], out var gid))
            {
                var members = fields[3].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                groups.TryAdd(fields[0], new GroupEntry(fields[0], gid, [.. members]));
            }
        }
        return groups;
    }

    private static IEnumerable<string[]> Records(IEnumerable<string> lines, int fieldCount) =>
        lines.Where(l => l.Length > 0 && l[0] != '#' && l[0] != '+' && l[0] != '-')
            .Select(l => l.Split(':'))
            .Where(f => f.Length >= fieldCount);

    private static bool TryId(string text, out int id) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id);

    private static DateTime Stamp(string path) => File.GetLastWriteTimeUtc(path);

    private static string[] ReadLines(string path) => File.Exists(path) ? File.ReadAllLines(path) : [];

    internal sealed record UserEntry(string Name, int Uid, int PrimaryGid);

    internal sealed record GroupEntry(string Name, int Gid, HashSet<string> Members);

    private sealed record Snapshot((DateTime, DateTime) Stamp, Dictionary<int, UserEntry> Users, Dictionary<string, GroupEntry> Groups)
    {
        public static Snapshot Empty { get; } = new((DateTime.MinValue, DateTime.MinValue), [], new Dictionary<string, GroupEntry>(StringComparer.Ordinal));
    }
}
