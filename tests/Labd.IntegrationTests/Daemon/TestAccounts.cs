using System.Globalization;

namespace Labd.IntegrationTests.Daemon;

/// <summary>
/// Real users and groups for caller-identity tests, created idempotently with
/// groupadd/useradd and never removed (other runs reuse them). All named labdt-d-*.
/// </summary>
internal sealed class TestAccounts
{
    public const string UsersGroup = "labdt-d-users";
    public const string AdminsGroup = "labdt-d-admins";
    public const string User = "labdt-d-user";
    public const string Admin = "labdt-d-admin";
    public const string Outsider = "labdt-d-outsider";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static bool _created;

    /// <summary>Creates the accounts once per test run. Skips loudly when not root.</summary>
    public static async Task EnsureAsync(CancellationToken cancellationToken)
    {
        Root.Require("creates test users and groups with useradd/groupadd");
        await Gate.WaitAsync(cancellationToken);
        try
        {
            if (_created)
            {
                return;
            }
            foreach (var group in new[] { UsersGroup, AdminsGroup })
            {
                await Command.CheckedAsync("groupadd", ["-f", group], cancellationToken);
            }
            await EnsureUserAsync(User, [UsersGroup], cancellationToken);
            // Admins must also be in the users group: the socket is 0660 root:users.
            await EnsureUserAsync(Admin, [UsersGroup, AdminsGroup], cancellationToken);
            await EnsureUserAsync(Outsider, [], cancellationToken);
            _created = true;
        }
        finally
        {
            Gate.Release();
        }
    }

    public static async Task<(int Uid, int Gid)> IdsAsync(string user, CancellationToken cancellationToken)
    {
        var uid = await Command.CheckedAsync("id", ["-u", user], cancellationToken);
        var gid = await Command.CheckedAsync("id", ["-g", user], cancellationToken);
        return (int.Parse(uid.Trim(), CultureInfo.InvariantCulture), int.Parse(gid.Trim(), CultureInfo.InvariantCulture));
    }

    private static async Task EnsureUserAsync(string user, string[] groups, CancellationToken cancellationToken)
    {
        var (exists, _, _) = await Command.RunAsync("id", ["-u", user], cancellationToken);
        if (exists != 0)
        {
            var (exit, _, stderr) = await Command.RunAsync("useradd", ["--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group", user], cancellationToken);
            // 9: the name appeared meanwhile (a parallel run); anything else is a real failure.
            if (exit is not 0 and not 9)
            {
                throw new InvalidOperationException($"useradd {user} exited {exit}: {stderr}");
            }
        }
        if (groups.Length > 0)
        {
            await Command.CheckedAsync("usermod", ["-aG", string.Join(',', groups), user], cancellationToken);
        }
    }
}
