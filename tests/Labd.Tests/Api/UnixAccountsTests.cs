using Labd.Api;

namespace Labd.Tests.Api;

public sealed class UnixAccountsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("labdt-accounts-").FullName;
    private readonly UnixAccounts _accounts;

    public UnixAccountsTests()
    {
        File.WriteAllLines(Path.Combine(_dir, "passwd"),
        [
            "root:x:0:0:root:/root:/bin/bash",
            "alice:x:1001:1001::/home/alice:/bin/sh",
            "bob:x:1002:500::/home/bob:/bin/sh",
            "# comment",
            "broken-line",
        ]);
        File.WriteAllLines(Path.Combine(_dir, "group"),
        [
            "root:x:0:",
            "labd:x:500:alice",
            "labd-admin:x:501:",
            "alice:x:1001:",
        ]);
        _accounts = new UnixAccounts(Path.Combine(_dir, "passwd"), Path.Combine(_dir, "group"));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_primary_group_comes_from_passwd_and_an_unknown_uid_keeps_its_number()
    {
        Assert.Equal(500, _accounts.PrimaryGroup(1002));
        Assert.Equal(1001, _accounts.PrimaryGroup(1001));
        Assert.Equal(4242, _accounts.PrimaryGroup(4242));
    }

    [Fact]
    public void A_listed_member_belongs_to_the_group() => Assert.True(_accounts.IsMember(1001, 1001, "labd"));

    [Fact]
    public void A_user_whose_primary_group_it_is_belongs_to_the_group() => Assert.True(_accounts.IsMember(1002, 1002, "labd"));

    [Fact]
    public void A_process_running_with_the_group_as_gid_belongs_to_it() => Assert.True(_accounts.IsMember(4242, 501, "labd-admin"));

    [Fact]
    public void Others_do_not_belong()
    {
        Assert.False(_accounts.IsMember(1001, 1001, "labd-admin"));
        Assert.False(_accounts.IsMember(4242, 4242, "labd"));
        Assert.False(_accounts.IsMember(1001, 1001, "no-such-group"));
    }

    [Fact]
    public void Names_and_ids_are_looked_up()
    {
        Assert.Equal("alice", _accounts.UserName(1001));
        Assert.Null(_accounts.UserName(4242));
        Assert.Equal(500, _accounts.GroupId("labd"));
        Assert.Null(_accounts.GroupId("nope"));
    }

    [Fact]
    public void Changes_to_the_group_file_take_effect_without_a_restart()
    {
        Assert.False(_accounts.IsMember(1001, 1001, "labd-admin"));
        File.WriteAllLines(Path.Combine(_dir, "group"), ["labd:x:500:alice", "labd-admin:x:501:alice"]);
        File.SetLastWriteTimeUtc(Path.Combine(_dir, "group"), DateTime.UtcNow.AddSeconds(5));

        Assert.True(_accounts.IsMember(1001, 1001, "labd-admin"));
    }
}
