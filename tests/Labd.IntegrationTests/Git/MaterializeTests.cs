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

    private static string Listing(GitBed bed, string dir) =>
        bed.Sh($"cd {dir} && find . -printf '%y %m %p %l\\n' | sort && find . -type f -exec sha256sum {{}} + | sort");
}
