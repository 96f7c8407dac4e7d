using Labd.Api;
using Labd.Hosting;
using Labd.Interop;
using Labd.Protocol;

namespace Labd.Tests.Api;

public sealed class CallerResolverTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("labdt-callers-").FullName;
    private readonly CallerResolver _resolver;

    public CallerResolverTests()
    {
        File.WriteAllLines(Path.Combine(_dir, "passwd"),
        [
            "root:x:0:0::/root:/bin/sh",
            "alice:x:1234:1234::/home/alice:/bin/sh",
            "bob:x:1235:1235::/home/bob:/bin/sh",
            "carol:x:1236:1236::/home/carol:/bin/sh",
        ]);
        File.WriteAllLines(Path.Combine(_dir, "group"), ["labd:x:900:bob,carol", "labd-admin:x:901:carol"]);
        var settings = new LabdSettings(new LabdArguments(Path.Combine(_dir, "absent.yaml"), false, null, null, false));
        _resolver = new CallerResolver(new UnixAccounts(Path.Combine(_dir, "passwd"), Path.Combine(_dir, "group")), settings);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Root_is_an_admin_even_outside_every_group() =>
        Assert.Equal(new Caller(CallerKind.Admin, 0, 0, 42, "root"), _resolver.Resolve(new PeerCredentials(42, 0, 0)));

    [Fact]
    public void A_member_of_labd_admin_is_an_admin_and_a_member_of_labd_a_user()
    {
        Assert.Equal(CallerKind.Admin, _resolver.Resolve(new PeerCredentials(1, 1236, 1236)).Kind);
        var bob = _resolver.Resolve(new PeerCredentials(7, 1235, 1235));
        Assert.Equal(new Caller(CallerKind.User, 1235, 1235, 7, "bob"), bob);
        Assert.Null(bob.Scope);
    }

    [Fact]
    public void Anyone_else_is_refused_with_the_usermod_command_to_run()
    {
        var e = Assert.Throws<LabdException>(() => _resolver.Resolve(new PeerCredentials(1, 1234, 1234)));

        Assert.Equal(ErrorCode.NotAMember, e.Code);
        Assert.Equal("uid 1234 (alice) is not in group 'labd'; ask an admin to run `usermod -aG labd alice`, then log in again", e.Message);
    }
}
