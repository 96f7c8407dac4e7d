using System.Globalization;

namespace Labctl.Doctor.Checks;

/// <summary>
/// Each sandbox user (<c>labd-sbx-*</c> in /etc/passwd) needs its own range of at least 65536
/// subordinate uids and gids for rootlesskit's newuidmap/newgidmap, and no two may overlap.
/// </summary>
internal static class SubordinateIdCheck
{
    public const string Name = "subuid/subgid";
    public const string UserPrefix = "labd-sbx-";
    internal const long RangeSize = 65536;
    internal const long FirstStart = 200000;

    public static DoctorCheck Run(HostProbe host)
    {
        var passwd = host.ReadTrimmed("/etc/passwd");
        if (passwd is null)
        {
            return DoctorCheck.Warn(Name, $"cannot read {host.Path("/etc/passwd")}", "check the file's permissions");
        }
        var users = passwd.Split('\n')
            .Select(line => line.Split(':'))
            .Where(f => f.Length >= 3 && f[0].StartsWith(UserPrefix, StringComparison.Ordinal))
            .Select(f => (Name: f[0], Uid: f[2]))
            .ToList();
        var subuid = SubordinateRange.Parse(host.ReadTrimmed("/etc/subuid"));
        var subgid = SubordinateRange.Parse(host.ReadTrimmed("/etc/subgid"));
        var nextStart = Math.Max(FirstStart, subuid.Concat(subgid).Select(r => r.End).DefaultIfEmpty(0).Max());

        if (users.Count == 0)
        {
            return DoctorCheck.Warn(Name, $"no sandbox users ({UserPrefix}*) in /etc/passwd; labd needs one per concurrent sandbox",
                $"useradd --system --no-create-home --shell /usr/sbin/nologin {UserPrefix}0 && {AddRanges(UserPrefix + "0", nextStart)}");
        }

        var fixes = new List<string>();
        var problems = new List<string>();
        foreach (var (user, uid) in users)
        {
            var uidRange = subuid.FirstOrDefault(r => r.Owner == user || r.Owner == uid);
            var gidRange = subgid.FirstOrDefault(r => r.Owner == user || r.Owner == uid);
            if (uidRange is null || gidRange is null || uidRange.Count < RangeSize || gidRange.Count < RangeSize)
            {
                problems.Add($"{user} lacks {RangeSize} {(uidRange is null || uidRange.Count < RangeSize ? "subuids" : "subgids")}");
                fixes.Add(AddRanges(user, nextStart));
                nextStart += RangeSize;
            }
        }
        problems.AddRange(Overlaps(users.Select(u => u.Name).ToHashSet(StringComparer.Ordinal), subuid, "subuid"));
        problems.AddRange(Overlaps(users.Select(u => u.Name).ToHashSet(StringComparer.Ordinal), subgid, "subgid"));

        if (problems.Count > 0)
        {
            if (fixes.Count == 0)
            {
                fixes.Add("edit /etc/subuid and /etc/subgid so that no two sandbox users share subordinate ids");
            }
            return DoctorCheck.Fail(Name, string.Join("; ", problems), string.Join('\n', fixes));
        }
        return DoctorCheck.Ok(Name, string.Create(CultureInfo.InvariantCulture,
            $"{users.Count} sandbox user{(users.Count == 1 ? "" : "s")} ({string.Join(", ", users.Select(u => u.Name))}), each with its own subuid and subgid range"));
    }

    private static string AddRanges(string user, long start) =>
        string.Create(CultureInfo.InvariantCulture, $"usermod --add-subuids {start}-{start + RangeSize - 1} --add-subgids {start}-{start + RangeSize - 1} {user}");

    private static IEnumerable<string> Overlaps(HashSet<string> users, IReadOnlyList<SubordinateRange> ranges, string kind)
    {
        var mine = ranges.Where(r => users.Contains(r.Owner)).OrderBy(r => r.Start).ToList();
        for (var i = 1; i < mine.Count; i++)
        {
            if (mine[i].Start < mine[i - 1].End && mine[i].Owner != mine[i - 1].Owner)
            {
                yield return $"{mine[i - 1].Owner} and {mine[i].Owner} share {kind}s";
            }
        }
    }
}
