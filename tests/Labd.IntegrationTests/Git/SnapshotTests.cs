namespace Labd.IntegrationTests.Git;

public sealed class SnapshotTests
{
    [Fact]
    public void Edits_new_files_and_deletions_are_captured_on_the_branch()
    {
        using var bed = new GitBed().WithRepo();
        bed.Sh("""
            cd repo && git branch idea/1
            echo changed > a.txt && rm dir/b.txt && mkdir -p new/deep && echo n > new/deep/n.txt
            echo tool > tool.sh && chmod 755 tool.sh
            """);
        bed.Owned();
        var before = BranchTests.Status(bed);
        using var repo = bed.Open();
        var commit = repo.Snapshot(bed.Repo, "idea/1", GitBed.Owner, "snapshot 1");
        Assert.Equal(commit, bed.Git("rev-parse idea/1"));
        Assert.Equal(bed.Git("rev-parse main"), bed.Git($"show -s --format=%P {commit}"));
        Assert.Equal("snapshot 1", bed.Git($"show -s --format=%B {commit}"));
        Assert.Equal("100644 a.txt\n100644 new/deep/n.txt\n100755 run.sh\n100755 tool.sh", bed.Git($"ls-tree -r --format='%(objectmode) %(path)' {commit}"));
        Assert.Equal("changed", bed.Git($"show {commit}:a.txt"));
        Assert.Equal(before, BranchTests.Status(bed));
        // (The test's own root git may rewrite the index; labd never writes it.)
        Assert.Equal("", bed.Sh($"find repo/.git ! -uid {GitBed.Owner} ! -name index").Trim());
    }

    [Fact]
    public void An_unchanged_worktree_returns_the_tip_without_a_commit()
    {
        using var bed = new GitBed().WithRepo();
        bed.Sh("cd repo && git branch idea/1");
        bed.Owned();
        using var repo = bed.Open();
        Assert.Equal(bed.Git("rev-parse main"), repo.Snapshot(bed.Repo, "idea/1", GitBed.Owner, "nothing"));
        Assert.Equal(bed.Git("rev-parse main"), bed.Git("rev-parse idea/1"));
    }

    [Fact]
    public void Ignored_files_are_left_out_but_tracked_ignored_files_stay()
    {
        using var bed = new GitBed().WithRepo();
        bed.Sh("""
            cd repo && git branch idea/1
            printf 'build/\n*.log\n!keep.log\n/rooted.txt\nsub/**/x.bin\n' > .gitignore
            mkdir -p build sub/a/b other && echo b > build/out && echo l > err.log && echo k > keep.log
            echo r > rooted.txt && echo r > other/rooted.txt && echo x > sub/a/b/x.bin && echo x > sub/x.bin && echo y > sub/y.bin
            git add -f build/out && git commit -q -m 'tracked though ignored' && git branch -f idea/1
            printf 'local.txt\n' > .git/info/exclude && echo l > local.txt
            printf '*.tmp\n' > other/.gitignore && echo t > other/t.tmp
            """);
        bed.Owned();
        using var repo = bed.Open();
        var commit = repo.Snapshot(bed.Repo, "idea/1", GitBed.Owner, "s");
        // git itself is the oracle: what `git add -A` would track.
        var expected = bed.Git("ls-files --cached --others --exclude-standard | sort");
        Assert.Equal(".gitignore\na.txt\nbuild/out\ndir/b.txt\nkeep.log\nother/.gitignore\nother/rooted.txt\nrun.sh\nsub/y.bin", expected);
        Assert.Equal(expected, bed.Git($"ls-tree -r --name-only {commit}"));
    }
}
