using System.Globalization;
using Labd.IntegrationTests.Daemon;

namespace Labd.IntegrationTests.TestBed;

/// <summary>
/// A user as Debian 12 makes one: <c>adduser --disabled-password --gecos ''</c>, whose home is
/// 0700 (Ubuntu: 0750), unlike <see cref="TestAccounts"/>' home-less useradd accounts. Named
/// <c>labdt-home-XXXX</c>, added to a group, and removed with its home on dispose.
/// </summary>
internal sealed class AdduserAccount : IAsyncDisposable
{
    private AdduserAccount(string name, string home, int uid, int gid)
    {
        Name = name;
        Home = home;
        Uid = uid;
        Gid = gid;
    }

    public string Name { get; }

    public string Home { get; }

    public int Uid { get; }

    public int Gid { get; }

    public static async Task<AdduserAccount> CreateAsync(string group, CancellationToken cancellationToken)
    {
        Root.Require("creates a user with adduser");
        var name = "labdt-home-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(2));
        await Command.CheckedAsync("adduser", ["--disabled-password", "--gecos", "", name], cancellationToken);
        await Command.CheckedAsync("usermod", ["-aG", group, name], cancellationToken);
        var (uid, gid) = await TestAccounts.IdsAsync(name, cancellationToken);
        var home = (await Command.CheckedAsync("getent", ["passwd", name], cancellationToken)).Trim().Split(':')[5];
        return new AdduserAccount(name, home, uid, gid);
    }

    /// <summary>The home's permission bits, as <c>stat -c %a</c> prints them.</summary>
    public string HomeMode => Convert.ToString((int)File.GetUnixFileMode(Home), 8);

    public override string ToString() => $"{Name} (uid {Uid.ToString(CultureInfo.InvariantCulture)})";

    public async ValueTask DisposeAsync()
    {
        // Its sandboxes have ended with the test's labd; deluser refuses while a process of the user runs.
        await Command.RunAsync("deluser", ["--remove-home", Name], CancellationToken.None);
    }
}
