using Labd.Protocol;

namespace Labd.IntegrationTests.Git;

public sealed class MaterializeTests
{
    [Fact]
    public void A_commit_round_trips_with_modes_and_links()
    {
        using var bed = new GitBed().WithRepo();
        bed.Sh("cd repo && ln -s dir/b.txt link && ln -s /etc/shadow abs && git add -A && git commit -q -m links");
        bed.Owned();
        using var repo = bed.Open();
        var destination = Path.Combine(bed.Dir, "out");
        repo.Materialize(bed.Git("rev-parse main"), destination);
        bed.Sh("mkdir expected && git -C repo -c tar.umask=022 archive main | tar -x -C expected");
        Assert.Equal(Listing(bed, "expected"), Listing(bed, "out"));
        Assert.Equal("/etc/shadow", bed.Sh("readlink out/abs").Trim());
        Assert.Equal("755", bed.Sh("stat -c %a out").Trim());
    }

    [Fact]
    public void An_existing_destination_is_refused()
    {
        using var bed = new GitBed().WithRepo();
        bed.Sh("mkdir out");
        using var repo = bed.Open();
        var error = Assert.Throws<LabdException>(() => repo.Materialize(bed.Git("rev-parse main"), Path.Combine(bed.Dir, "out")));
        Assert.Equal(ErrorCode.Conflict, error.Code);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(bed.Dir, "out")));
    }

    [Fact]
    public void A_destination_below_a_symlink_is_refused()
    {
        using var bed = new GitBed().WithRepo();
        bed.Sh("mkdir real && ln -s real via");
        using var repo = bed.Open();
        Assert.Throws<LabdException>(() => repo.Materialize(bed.Git("rev-parse main"), Path.Combine(bed.Dir, "via", "out")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(bed.Dir, "real")));
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData(".git")]
    [InlineData(".GIT")]
    [InlineData("a/../../x")]
    [InlineData("")]
    public void A_tree_with_a_hostile_entry_name_is_refused_and_nothing_is_written(string name)
    {
        using var bed = new GitBed().WithRepo();
        // Raw tree objects: git's own checks are bypassed with --literally.
        bed.Sh($$"""
            cd repo
            blob=$(printf 'pwned\n' | git hash-object -w --stdin)
            inner=$(python3 -c 'import sys,binascii; sys.stdout.buffer.write(b"100644 " + sys.argv[1].encode() + b"\0" + binascii.unhexlify(sys.argv[2]))' '{{name}}' $blob | git hash-object -t tree -w --literally --stdin)
            top=$(python3 -c 'import sys,binascii; sys.stdout.buffer.write(b"40000 sub\0" + binascii.unhexlify(sys.argv[1]))' $inner | git hash-object -t tree -w --literally --stdin)
            git update-ref refs/heads/hostile $(git commit-tree -m hostile $top)
            """);
        bed.Owned();
        using var repo = bed.Open();
        var destination = Path.Combine(bed.Dir, "nest", "out");
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        Assert.Throws<LabdException>(() => repo.Materialize(repo.TipOf("hostile")!, destination));
        Assert.False(Directory.Exists(destination));
        Assert.Equal("", bed.Sh("grep -rl --exclude-dir=repo pwned . || true").Trim());
    }

    [Fact]
    public void Gitlinks_are_skipped()
    {
        using var bed = new GitBed().WithRepo();
        bed.Sh("cd repo && git update-index --add --cacheinfo 160000,$(git rev-parse HEAD),sub && git commit -q -m gitlink");
        bed.Owned();
        using var repo = bed.Open();
        var destination = Path.Combine(bed.Dir, "out");
        repo.Materialize(repo.TipOf("main")!, destination);
        Assert.False(Path.Exists(Path.Combine(destination, "sub")));
        Assert.True(File.Exists(Path.Combine(destination, "a.txt")));
    }

    private static string Listing(GitBed bed, string dir) =>
        bed.Sh($"cd {dir} && find . -printf '%y %m %p %l\\n' | sort && find . -type f -exec sha256sum {{}} + | sort");
}
