using Labd.Protocol;

namespace Labd.IntegrationTests.Git;

public sealed class BranchTests
{
    [Fact]
    public void Main_is_detected()
    {
        using var bed = new GitBed().WithRepo();
        using var repo = bed.Open();
        Assert.Equal("main", repo.DetectMainBranch());
    }

    [Fact]
    public void Master_is_detected()
    {
        using var bed = new GitBed().WithRepo("master");
        using var repo = bed.Open();
        Assert.Equal("master", repo.DetectMainBranch());
    }

    [Fact]
    public void Head_names_the_main_branch_when_there_is_neither_main_nor_master()
    {
        using var bed = new GitBed().WithRepo("trunk");
        bed.Sh("cd repo && git branch other");
        using var repo = bed.Open();
        Assert.Equal("trunk", repo.DetectMainBranch());
    }

    [Fact]
    public void A_repository_without_commits_asks_for_a_first_commit()
    {
        using var bed = new GitBed();
        bed.Sh("mkdir repo && git -C repo init -q -b main");
        bed.Owned();
        using var repo = bed.Open();
        var error = Assert.Throws<LabdException>(repo.DetectMainBranch);
        Assert.Contains("first commit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_branch_without_parents_starts_at_the_main_tip()
    {
        using var bed = new GitBed().WithRepo();
        using var repo = bed.Open();
        var commit = repo.CreateBranch("idea/1", [], "main", "idea 1");
        Assert.Equal(bed.Git("rev-parse main"), commit);
        Assert.Equal(commit, bed.Git("rev-parse idea/1"));
        Assert.Equal(commit, repo.TipOf("idea/1"));
        Assert.Null(repo.TipOf("idea/2"));
    }

    [Fact]
    public void A_branch_with_one_parent_starts_at_that_tip()
    {
        using var bed = new GitBed().WithRepo();
        bed.Sh("cd repo && git checkout -q -b idea/1 && echo x > x.txt && git add x.txt && git commit -q -m x && git checkout -q main");
        bed.Owned();
        using var repo = bed.Open();
        var commit = repo.CreateBranch("idea/2", ["idea/1"], "main", "idea 2");
        Assert.Equal(bed.Git("rev-parse idea/1"), commit);
    }

    [Fact]
    public void Two_parents_make_a_merge_commit_with_both_changes_and_parents_in_order()
    {
        using var bed = new GitBed().WithRepo();
        bed.Sh("""
            cd repo
            git checkout -q -b idea/1 main && echo one > one.txt && git add . && git commit -q -m one
            git checkout -q -b idea/2 main && echo two > two.txt && git add . && git commit -q -m two
            git checkout -q main
            """);
        bed.Owned();
        var before = Status(bed);
        using var repo = bed.Open();
        var commit = repo.CreateBranch("idea/3", ["idea/2", "idea/1"], "main", "merge 2 and 1");
        Assert.Equal($"{bed.Git("rev-parse idea/2")} {bed.Git("rev-parse idea/1")}", bed.Git($"show -s --format=%P {commit}"));
        Assert.Equal("merge 2 and 1", bed.Git($"show -s --format=%B {commit}"));
        Assert.Equal("labd <labd@localhost>", bed.Git($"show -s --format='%an <%ae>' {commit}"));
        Assert.Equal("labd <labd@localhost>", bed.Git($"show -s --format='%cn <%ce>' {commit}"));
        Assert.Equal("one", bed.Git($"show {commit}:one.txt"));
        Assert.Equal("two", bed.Git($"show {commit}:two.txt"));
        Assert.Equal(before, Status(bed));
        // What labd wrote into .git belongs to the lab's owner.
        Assert.Equal("", bed.Sh($"find repo/.git ! -uid {GitBed.Owner}").Trim());
    }

    [Fact]
    public void Three_parents_fold_into_one_commit_with_three_parents()
    {
        using var bed = new GitBed().WithRepo();
        bed.Sh("""
            cd repo
            for i in 1 2 3; do git checkout -q -b idea/$i main && echo $i > f$i.txt && git add . && git commit -q -m $i; done
            git checkout -q main
            """);
        bed.Owned();
        using var repo = bed.Open();
        var commit = repo.CreateBranch("idea/4", ["idea/1", "idea/2", "idea/3"], "main", "all three");
        Assert.Equal(string.Join(" ", Enumerable.Range(1, 3).Select(i => bed.Git($"rev-parse idea/{i}"))), bed.Git($"show -s --format=%P {commit}"));
        Assert.Equal("a.txt\ndir/b.txt\nf1.txt\nf2.txt\nf3.txt\nrun.sh", bed.Git($"ls-tree -r --name-only {commit}"));
    }

    [Fact]
    public void A_conflict_names_every_conflicting_path_and_writes_nothing()
    {
        using var bed = new GitBed().WithRepo();
        bed.Sh("""
            cd repo
            git checkout -q -b idea/1 main && echo one > a.txt && echo one > dir/b.txt && echo ok > c.txt && git add . && git commit -q -m one
            git checkout -q -b idea/2 main && echo two > a.txt && echo two > dir/b.txt && git add . && git commit -q -m two
            git checkout -q main
            """);
        bed.Owned();
        var objects = bed.Sh("cd repo && find .git/objects -type f | sort");
        using var repo = bed.Open();
        var error = Assert.Throws<LabdException>(() => repo.CreateBranch("idea/3", ["idea/1", "idea/2"], "main", "m"));
        Assert.Equal(ErrorCode.MergeConflict, error.Code);
        Assert.Contains("conflicts in: a.txt, dir/b.txt;", error.Message, StringComparison.Ordinal);
        Assert.Null(repo.TipOf("idea/3"));
        Assert.Equal(objects, bed.Sh("cd repo && find .git/objects -type f | sort"));
    }

    [Fact]
    public void An_existing_branch_is_a_conflict()
    {
        using var bed = new GitBed().WithRepo();
        bed.Sh("cd repo && git branch idea/1");
        using var repo = bed.Open();
        var error = Assert.Throws<LabdException>(() => repo.CreateBranch("idea/1", [], "main", "again"));
        Assert.Equal(ErrorCode.Conflict, error.Code);
    }

    [Fact]
    public void Head_index_and_worktree_are_untouched_by_branch_creation()
    {
        using var bed = new GitBed().WithRepo();
        bed.Sh("cd repo && echo dirty >> a.txt && echo staged > s.txt && git add s.txt && echo new > untracked.txt");
        bed.Owned();
        var before = Status(bed);
        using var repo = bed.Open();
        repo.CreateBranch("idea/1", [], "main", "x");
        Assert.Equal(before, Status(bed));
    }

    [Fact]
    public void Branches_lists_by_prefix()
    {
        using var bed = new GitBed().WithRepo();
        bed.Sh("cd repo && git branch idea/2 && git branch idea/10 && git branch other");
        using var repo = bed.Open();
        Assert.Equal(["idea/10", "idea/2"], repo.Branches("idea/"));
    }

    internal static string Status(GitBed bed) =>
        bed.Sh("cd repo && export GIT_OPTIONAL_LOCKS=0 && git symbolic-ref HEAD && git rev-parse HEAD && git status --porcelain --untracked-files=all && git diff --cached && git diff && sha256sum .git/index");
}
