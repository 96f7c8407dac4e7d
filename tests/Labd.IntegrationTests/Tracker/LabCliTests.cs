using System.Text.Json;
using Labd.IntegrationTests.Daemon;
using Labd.Interop;
using Labd.Protocol;

namespace Labd.IntegrationTests.Tracker;

/// <summary>labctl lab, as a real user against a real labd: registering, refusing, PROMPT.md, visibility, removal.</summary>
public sealed class LabCliTests
{
    private const string User = TestAccounts.User;

    [Fact(Timeout = 180000)]
    public async Task Lab_init_registers_an_owned_repository_and_refuses_what_it_must()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await TrackerBed.StartAsync(ct);
        var repo = await bed.MakeRepositoryAsync(User, "demo", ct);
        var (uid, _) = await TestAccounts.IdsAsync(User, ct);

        // Not a repository: a plain directory the user owns.
        Directory.CreateDirectory(bed.Dir["plain"]);
        await Command.CheckedAsync("chown", [User + ":", bed.Dir["plain"]], ct);
        var plain = await bed.LabctlAsync(User, bed.Dir.Path, ct, "lab", "init", bed.Dir["plain"]);
        Assert.Equal(7, plain.ExitCode);
        Assert.Contains("git init", plain.Stderr, StringComparison.Ordinal);
        // Not the user's: a repository root owns.
        Directory.CreateDirectory(bed.Dir["roots"]);
        await Command.CheckedAsync("git", ["-C", bed.Dir["roots"], "init", "-q"], ct);
        var notOwner = await bed.LabctlAsync(User, bed.Dir.Path, ct, "lab", "init", bed.Dir["roots"]);
        Assert.Equal(4, notOwner.ExitCode);
        // A symlink to the repository.
        await TrackerBed.AsUserAsync(User, repo, "ln", ["-s", repo, bed.Dir["plain"] + "/link"], ct);
        var symlink = await bed.LabctlAsync(User, bed.Dir.Path, ct, "lab", "init", bed.Dir["plain"] + "/link");
        Assert.Equal(7, symlink.ExitCode);
        Assert.Contains("symlink", symlink.Stderr, StringComparison.Ordinal);

        var init = await bed.LabctlOkAsync(User, repo, ct, "lab", "init");

        Assert.Contains("Registered lab demo at " + repo, init, StringComparison.Ordinal);
        Assert.Contains("score (max) — the default", init, StringComparison.Ordinal);
        var prompt = Path.Combine(repo, "PROMPT.md");
        Assert.Equal(uid, FileStatus.Owner(prompt));
        Assert.Equal((UnixFileMode)0b110_100_100, File.GetUnixFileMode(prompt));
        var text = await File.ReadAllTextAsync(prompt, ct);
        Assert.Contains("`score`: higher is better", text, StringComparison.Ordinal);
        Assert.Contains("labctl exp run --idea N -- python3 train.py", text, StringComparison.Ordinal);
        Assert.Contains("$LAB_METRICS", text, StringComparison.Ordinal);

        // Duplicates: the same path, and the same name for another repository.
        var again = await bed.LabctlAsync(User, repo, ct, "lab", "init", repo, "--name", "other");
        Assert.Equal(6, again.ExitCode);
        Assert.Contains("already registered as lab 'demo'", again.Stderr, StringComparison.Ordinal);
        var second = await bed.MakeRepositoryAsync(User, "second", ct);
        var sameName = await bed.LabctlAsync(User, second, ct, "lab", "init", "--name", "demo");
        Assert.Equal(6, sameName.ExitCode);

        // An existing PROMPT.md stays as it is.
        await TrackerBed.AsUserAsync(User, second, "sh", ["-c", "echo mine > PROMPT.md"], ct);
        var kept = await bed.LabctlOkAsync(User, second, ct, "lab", "init", "--name", "second", "--metric", "loss:min", "--metric", "acc:max");
        Assert.Contains("already exists", kept, StringComparison.Ordinal);
        Assert.Equal("mine\n", await File.ReadAllTextAsync(Path.Combine(second, "PROMPT.md"), ct));
        // Agents read PROMPT.md from main's tip: init says how to commit it, and --commit does.
        Assert.Contains($"`git -C {second} add PROMPT.md && git -C {second} commit -m 'Agent prompt' -- PROMPT.md`", kept, StringComparison.Ordinal);
        var fourth = await bed.MakeRepositoryAsync(User, "fourth", ct);
        await TrackerBed.GitAsync(User, fourth, ct, "config", "user.name", "Test");
        await TrackerBed.GitAsync(User, fourth, ct, "config", "user.email", "test@example.com");
        var committed = await bed.LabctlOkAsync(User, fourth, ct, "lab", "init", "--name", "fourth", "--commit");
        Assert.Contains("Committed PROMPT.md", committed, StringComparison.Ordinal);
        Assert.Equal("Agent prompt (labctl lab init --commit)", await TrackerBed.GitAsync(User, fourth, ct, "log", "-1", "--format=%s", "main", "--", "PROMPT.md"));
        Assert.Equal("", await TrackerBed.GitAsync(User, fourth, ct, "status", "--porcelain", "--", "PROMPT.md"));

        // A planted symlink PROMPT.md is not followed.
        var third = await bed.MakeRepositoryAsync(User, "third", ct);
        var target = "/etc/labdt-tracker-" + Guid.NewGuid().ToString("N");
        await TrackerBed.AsUserAsync(User, third, "ln", ["-s", target, "PROMPT.md"], ct);
        await bed.LabctlOkAsync(User, third, ct, "lab", "init");
        Assert.False(File.Exists(target));
        Assert.NotNull(new FileInfo(Path.Combine(third, "PROMPT.md")).LinkTarget);

        // Another user sees none of it.
        var othersList = await bed.LabctlOkAsync(TrackerBed.Other, bed.Dir.Path, ct, "lab", "ls", "-o", "json");
        Assert.Equal("[]", othersList.Trim());
        var othersShow = await bed.LabctlAsync(TrackerBed.Other, bed.Dir.Path, ct, "lab", "show", "demo");
        Assert.Equal(5, othersShow.ExitCode);
        Assert.Contains("lab-not-found", othersShow.Stderr, StringComparison.Ordinal);
        var othersIdeas = await bed.LabctlAsync(TrackerBed.Other, bed.Dir.Path, ct, "idea", "ls", "--lab", "demo");
        Assert.Equal(5, othersIdeas.ExitCode);

        // The lab's metrics and counts.
        var show = JsonSerializer.Deserialize(await bed.LabctlOkAsync(User, second, ct, "lab", "show", "-o", "json"), ProtocolJsonContext.Default.LabRecord)!;
        Assert.Equal([new LabMetric("loss", "min"), new LabMetric("acc", "max")], show.Metrics);
        Assert.Equal("main", show.MainBranch);
    }

    [Fact(Timeout = 180000)]
    public async Task Lab_rm_forgets_the_lab_and_keeps_the_repository_and_its_branches()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await TrackerBed.StartAsync(ct);
        var repo = await bed.MakeRepositoryAsync(User, "demo", ct);
        await bed.LabctlOkAsync(User, repo, ct, "lab", "init");
        await bed.LabctlOkAsync(User, repo, ct, "idea", "new", "first");
        Directory.CreateDirectory(Path.Combine(bed.Labd.StateDir, "labs", "demo", "worktrees"));

        var noYes = await bed.LabctlAsync(User, repo, ct, "lab", "rm", "demo");
        Assert.Equal(2, noYes.ExitCode);
        Assert.Contains("--yes", noYes.Stderr, StringComparison.Ordinal);
        await bed.LabctlOkAsync(User, repo, ct, "lab", "rm", "demo", "--yes");

        Assert.Equal("[]", (await bed.LabctlOkAsync(User, repo, ct, "lab", "ls", "-o", "json")).Trim());
        Assert.True(Directory.Exists(Path.Combine(repo, ".git")));
        Assert.Contains("idea/1", await TrackerBed.GitAsync(User, repo, ct, "branch", "--list", "idea/*"), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(bed.Labd.StateDir, "labs", "demo")));
        // Registered again, numbering skips the branch that is still there.
        await bed.LabctlOkAsync(User, repo, ct, "lab", "init");
        Assert.Contains("Idea 2 ", await bed.LabctlOkAsync(User, repo, ct, "idea", "new", "again"), StringComparison.Ordinal);
    }
}
