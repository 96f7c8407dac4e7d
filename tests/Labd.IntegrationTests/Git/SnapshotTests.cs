using Labd.Protocol;

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

    [Fact]
    public void A_symlink_to_shadow_is_stored_as_its_link_text_never_the_content()
    {
        using var bed = new GitBed().WithRepo();
        bed.Sh("cd repo && git branch idea/1 && ln -s /etc/shadow shadow && ln -s /etc etc && ln -s ../../../../etc/shadow up");
        bed.Owned();
        using var repo = bed.Open();
        var commit = repo.Snapshot(bed.Repo, "idea/1", GitBed.Owner, "s");
        Assert.Equal("120000 etc\n120000 shadow\n120000 up", bed.Git($"ls-tree --format='%(objectmode) %(path)' {commit} shadow etc up"));
        Assert.Equal("/etc/shadow", bed.Git($"cat-file blob {commit}:shadow"));
        Assert.Equal("/etc", bed.Git($"cat-file blob {commit}:etc"));
        // No blob of the commit holds a line of /etc/shadow or any file under /etc (the link was not descended).
        var rootLine = File.ReadLines("/etc/shadow").First();
        Assert.Equal("", bed.Sh($"cd repo && git grep -F -l -e '{rootLine.Split(':')[0]}:' {commit} || true").Trim());
        Assert.Equal(6, bed.Git($"ls-tree -r --name-only {commit}").Split('\n').Length);
    }

    [Fact]
    public async Task A_fifo_is_skipped_without_blocking()
    {
        using var bed = new GitBed().WithRepo();
        bed.Sh("cd repo && git branch idea/1 && mkfifo pipe && python3 -c 'import socket; s=socket.socket(socket.AF_UNIX); s.bind(\"sock\")' && echo n > new.txt");
        bed.Owned();
        using var repo = bed.Open();
        var commit = await Task.Run(() => repo.Snapshot(bed.Repo, "idea/1", GitBed.Owner, "s"), TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal("a.txt\ndir/b.txt\nnew.txt\nrun.sh", bed.Git($"ls-tree -r --name-only {commit}"));
    }

    [Fact]
    public void A_hard_link_to_a_file_the_owner_may_not_read_is_left_out()
    {
        using var bed = new GitBed().WithRepo();
        bed.Sh($"""
            echo secret-600 > secret600 && chmod 600 secret600
            echo secret-640 > secret640 && chown 0:{GitBed.Owner} secret640 && chmod 640 secret640
            echo public-644 > public644 && chmod 644 public644
            git -C repo branch idea/1 && chown -R {GitBed.Owner}:{GitBed.Owner} repo
            cd repo && ln ../secret600 hl600 && ln ../secret640 hl640 && ln ../public644 hl644
            """);
        using var repo = bed.Open();
        var commit = repo.Snapshot(bed.Repo, "idea/1", GitBed.Owner, "s");
        // Control: a world-readable root file is taken, so links as such are not what is refused.
        Assert.Equal("a.txt\ndir/b.txt\nhl644\nrun.sh", bed.Git($"ls-tree -r --name-only {commit}"));
        Assert.Equal("", bed.Sh($"cd repo && git grep -l secret- {commit} || true").Trim());
    }

    [Fact]
    public void An_oversize_file_is_refused_by_name()
    {
        using var bed = new GitBed().WithRepo();
        bed.Sh("cd repo && git branch idea/1 && mkdir -p data && truncate -s 200M data/big.bin");
        bed.Owned();
        using var repo = bed.Open();
        var error = Assert.Throws<LabdException>(() => repo.Snapshot(bed.Repo, "idea/1", GitBed.Owner, "s"));
        Assert.Equal(ErrorCode.BadRequest, error.Code);
        Assert.Contains("data/big.bin", error.Message, StringComparison.Ordinal);
        Assert.Equal(bed.Git("rev-parse main"), bed.Git("rev-parse idea/1"));
    }

    [Fact]
    public void Excludes_file_and_includes_outside_the_lab_are_not_read()
    {
        using var bed = new GitBed().WithRepo();
        bed.Sh("""
            printf 'leak.txt\n' > outside-ignore && chmod 644 outside-ignore
            printf '[core]\n\texcludesFile = %s/outside-ignore\n' "$T" > evil.cfg
            cd repo && git branch idea/1 && echo l > leak.txt && echo m > mine.txt
            git config core.excludesFile "$T/outside-ignore" && git config include.path ../../evil.cfg
            """);
        bed.Owned();
        // Control: git itself does read the outside file and ignores leak.txt.
        Assert.Equal("leak.txt", bed.Git("check-ignore leak.txt"));
        using var repo = bed.Open();
        var commit = repo.Snapshot(bed.Repo, "idea/1", GitBed.Owner, "s");
        Assert.Contains("leak.txt", bed.Git($"ls-tree -r --name-only {commit}").Split('\n'));
    }

    [Fact]
    public void A_snapshot_of_a_symlinked_source_is_refused()
    {
        using var bed = new GitBed().WithRepo();
        bed.Sh("cd repo && git branch idea/1 && ln -s /etc ../etc-link");
        bed.Owned();
        using var repo = bed.Open();
        var error = Assert.Throws<LabdException>(() => repo.Snapshot(Path.Combine(bed.Dir, "etc-link"), "idea/1", GitBed.Owner, "s"));
        Assert.Contains("symlink", error.Message, StringComparison.Ordinal);
    }
}
