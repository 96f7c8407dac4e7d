using System.Globalization;
using CliWrap;
using Labd.Interop;

namespace Labd.Runs;

/// <summary>
/// The pool of host users <c>labd-sbx-0..N-1</c>, each with its own 65536-id subuid/subgid
/// range (non-overlapping, from <see cref="SubIdBase"/>), leased exclusively: a lease is a file
/// <c>&lt;leaseDir&gt;/labd-sbx-N</c> created with O_EXCL holding the run's directory, so it survives labd
/// restarts. The run's supervisor deletes it after every process of that uid is gone. A lease
/// whose run has no live supervisor is stale and reclaimed (after killing leftovers of the uid).
/// </summary>
internal sealed class SandboxUserPool
{
    public const string Prefix = "labd-sbx-";
    public const int SubIdBase = 300000;
    public const int SubIdCount = 65536;

    private readonly string _leaseDirectory;
    private readonly Func<string, bool> _runIsAlive;
    private readonly Lock _gate = new();
    private IReadOnlyList<SandboxUser>? _users;

    /// <param name="size">Number of users in the pool.</param>
    /// <param name="leaseDirectory">Root-owned directory of lease files.</param>
    /// <param name="runIsAlive">Whether the run holding a lease (its directory) still has a live supervisor.</param>
    public SandboxUserPool(int size, string leaseDirectory, Func<string, bool> runIsAlive)
    {
        Size = size;
        _leaseDirectory = leaseDirectory;
        _runIsAlive = runIsAlive;
    }

    public int Size { get; }

    /// <summary>Creates missing users and subordinate ranges; safe to run at every start.
    /// The result is kept for later leases.</summary>
    public async Task<IReadOnlyList<SandboxUser>> EnsureAsync(CancellationToken cancellationToken)
    {
        if (_users is { } known)
        {
            return known;
        }
        Chmod.CreateDirectory(_leaseDirectory, 0b111_000_000);
        var users = new List<SandboxUser>();
        for (var i = 0; i < Size; i++)
        {
            var name = Prefix + i.ToString(CultureInfo.InvariantCulture);
            var start = SubIdBase + (i * SubIdCount);
            if (Lookup(name) is null)
            {
                await Cli.Wrap("useradd").WithArguments(["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group", name])
                    .ExecuteAsync(cancellationToken);
            }
            var range = string.Create(CultureInfo.InvariantCulture, $"{start}-{start + SubIdCount - 1}");
            if (!HasSubIds("/etc/subuid", name, start) || !HasSubIds("/etc/subgid", name, start))
            {
                await Cli.Wrap("usermod").WithArguments(["--add-subuids", range, "--add-subgids", range, name])
                    .ExecuteAsync(cancellationToken);
            }
            var (uid, gid) = Lookup(name) ?? throw new InvalidOperationException($"useradd did not create {name}");
            users.Add(new SandboxUser(name, uid, gid, start, SubIdCount));
        }
        _users = users;
        return users;
    }

    /// <summary>
    /// Leases a free user for the run in <paramref name="runDirectory"/>; null when all are in use.
    /// A user is handed out only once no process holds its uid or gid in any of the four ids
    /// (<see cref="ProcessTree.Holding"/>): whatever does (a leftover, or a set-user-ID copy some
    /// local user runs) is killed after the lease is claimed, and a user that still has a holder
    /// after that is skipped. <paramref name="realUidOnly"/> is the old rule, for a negative control.
    /// </summary>
    public async Task<(SandboxUser User, string LeaseFile)?> TryLeaseAsync(string runDirectory, CancellationToken cancellationToken, bool realUidOnly = false)
    {
        var users = await EnsureAsync(cancellationToken);
        lock (_gate)
        {
            foreach (var user in users)
            {
                var file = Path.Combine(_leaseDirectory, user.Name);
                if (TryCreate(file, runDirectory) && Cleared(user, file, realUidOnly))
                {
                    return (user, file);
                }
            }
            foreach (var user in users)
            {
                var file = Path.Combine(_leaseDirectory, user.Name);
                string holder;
                try
                {
                    holder = File.ReadAllText(file).Trim();
                }
                catch (FileNotFoundException)
                {
                    holder = "";
                }
                if (holder.Length > 0 && _runIsAlive(holder))
                {
                    continue;
                }
                SandboxChain.SweepUser(user.Uid, user.Gid, realUidOnly);
                File.Delete(file);
                if (TryCreate(file, runDirectory) && Cleared(user, file, realUidOnly))
                {
                    return (user, file);
                }
            }
            return null;
        }
    }

    /// <summary>With the lease claimed (so no other labd hands the user out meanwhile), kills every
    /// holder of the user's ids; true when none is left, else the lease is given up again.</summary>
    private static bool Cleared(SandboxUser user, string leaseFile, bool realUidOnly)
    {
        SandboxChain.SweepUser(user.Uid, user.Gid, realUidOnly);
        if (ProcessTree.Holding(user.Uid, realUidOnly ? null : user.Gid, realUidOnly).Count == 0)
        {
            return true;
        }
        File.Delete(leaseFile);
        return false;
    }

    private static bool TryCreate(string file, string holder)
    {
        try
        {
            using var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            stream.Write(System.Text.Encoding.UTF8.GetBytes(holder + "\n"));
            stream.Flush(flushToDisk: true);
            return true;
        }
        catch (IOException e) when (e is not DirectoryNotFoundException)
        {
            // Taken (EEXIST), possibly released again since by a finishing supervisor: either
            // way not ours now; the caller moves on to the next user.
            return false;
        }
    }

    private static (int Uid, int Gid)? Lookup(string name)
    {
        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var f = line.Split(':');
            if (f.Length > 3 && f[0] == name)
            {
                return (int.Parse(f[2], CultureInfo.InvariantCulture), int.Parse(f[3], CultureInfo.InvariantCulture));
            }
        }
        return null;
    }

    private static bool HasSubIds(string file, string name, int start) =>
        File.Exists(file) && File.ReadLines(file).Any(l => l.StartsWith(string.Create(CultureInfo.InvariantCulture, $"{name}:{start}:"), StringComparison.Ordinal));

}
