using Labd.Git;

namespace Labd.IntegrationTests.Git;

/// <summary>
/// Escape suite B15: a repository whose config, hooks and attributes would run commands in
/// whatever git process touches it. labd's git layer must run none of them.
/// </summary>
public sealed class B15GitConfigTests
{
    private const string HostileSetup = """
        cd repo && git branch idea/1 && git branch idea/2
        mkdir -p h .git/hooks
        for hook in post-commit post-checkout reference-transaction pre-commit post-merge; do
          printf '#!/bin/sh\ntouch %s/pwn-hook-%s\n' "$T" $hook > h/$hook; cp h/$hook .git/hooks/$hook
        done
        chmod +x h/* .git/hooks/*
        printf '#!/bin/sh\ntouch %s/pwn-fsmon\nexit 1\n' "$T" > fsmon && chmod +x fsmon
        git config core.fsmonitor "$PWD/fsmon"
        git config core.hooksPath "$PWD/h"
        git config filter.x.clean "touch $T/pwn-filter-clean; cat"
        git config filter.x.smudge "touch $T/pwn-filter-smudge; cat"
        git config filter.x.required true
        git config diff.external "touch $T/pwn-diff"
        git config core.pager "touch $T/pwn-pager"
        git config core.sshCommand "touch $T/pwn-ssh"
        git config merge.x.driver "touch $T/pwn-merge; false"
        printf '[core]\n\tfsmonitor = touch %s/pwn-include\n' "$T" > ../evil.cfg
        git config include.path ../../evil.cfg
        git config extensions.worktreeConfig true
        printf '[core]\n\tfsmonitor = touch %s/pwn-worktree-config\n' "$T" > .git/config.worktree
        printf '* filter=x merge=x\n' > .gitattributes
        echo changed > a.txt && echo new > new.txt
        """;

    [Fact]
    public void B15_no_labd_git_operation_runs_configured_commands_hooks_or_filters()
    {
        using var bed = new GitBed().WithRepo();
        bed.Sh(HostileSetup);
        bed.Owned();
        Assert.True(LabRepository.IsRepository(bed.Repo));
        using (var repo = bed.Open())
        {
            Assert.Equal("main", repo.DetectMainBranch());
            Assert.NotNull(repo.TipOf("idea/1"));
            Assert.Equal(["idea/1", "idea/2"], repo.Branches("idea/"));
            repo.CreateBranch("idea/3", [], "main", "root idea");
            var snapshot = repo.Snapshot(bed.Repo, "idea/1", GitBed.Owner, "snapshot");
            repo.Snapshot(bed.Repo, "idea/2", GitBed.Owner, "snapshot 2");
            repo.CreateBranch("idea/4", ["idea/1", "idea/3"], "main", "merge");
            repo.CreateBranch("idea/5", ["idea/1", "idea/2", "idea/4"], "main", "three-way merge");
            repo.Materialize(snapshot, Path.Combine(bed.Dir, "out"));
            Assert.Equal("changed", File.ReadAllText(Path.Combine(bed.Dir, "out", "a.txt")).Trim());
        }
        Assert.Empty(Directory.GetFiles(bed.Dir, "pwn-*"));
    }

    [Fact]
    public void B15_negative_control_plain_git_status_runs_the_hostile_fsmonitor()
    {
        using var bed = new GitBed().WithRepo();
        bed.Sh(HostileSetup);
        bed.Sh("cd repo && git status --porcelain >/dev/null 2>&1 || true");
        Assert.True(File.Exists(Path.Combine(bed.Dir, "pwn-fsmon")) || File.Exists(Path.Combine(bed.Dir, "pwn-worktree-config")) || File.Exists(Path.Combine(bed.Dir, "pwn-include")),
            "git status did not run core.fsmonitor; the hostile config is not live, so the B15 test proves nothing");
    }
}
