using Labd.IntegrationTests.Daemon;
using Labd.Interop;

namespace Labd.IntegrationTests.Runs;

/// <summary><c>labctl run</c> from a plain directory a user owns, under every shipped policy, unmodified.</summary>
public sealed class ShippedPolicyRunTests
{
    [Fact(Timeout = 240_000)]
    public async Task Labctl_run_from_a_plain_directory_runs_and_writes_there_under_every_shipped_policy()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await ShippedBed.StartAsync(fakeGpus: 0, ct);
        Assert.Equal(["default", "gpu-research", "offline-eval", "strict"], ShippedBed.PolicyNames);

        foreach (var policy in ShippedBed.PolicyNames)
        {
            var (exit, stdout, stderr) = await bed.LabctlAsUserAsync(bed.Plain, ["run", "--policy", policy, "--", "true"], ct);
            Assert.True(exit == 0, $"{policy}: `labctl run -- true` exited {exit}\n{stdout}\n{stderr}\n{bed.Labd.Output}");

            var file = Path.Combine(bed.Plain, policy + ".txt");
            (exit, stdout, stderr) = await bed.LabctlAsUserAsync(bed.Plain, ["run", "--policy", policy, "--", "sh", "-c", $"echo written > {policy}.txt"], ct);
            Assert.True(exit == 0, $"{policy}: the write into the current directory exited {exit}\n{stdout}\n{stderr}\n{bed.Labd.Output}");
            Assert.Equal("written\n", await File.ReadAllTextAsync(file, ct));
            // Handed back: the user owns what the run made, and the directory itself.
            Assert.Equal((bed.OwnerUid, bed.OwnerUid), (FileStatus.Owner(file), FileStatus.Owner(bed.Plain)));
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task A_run_cannot_write_the_directory_git_metadata_under_default()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await ShippedBed.StartAsync(fakeGpus: 0, ct);
        var git = Path.Combine(bed.Plain, ".git");
        Directory.CreateDirectory(git);
        Chown.Set(git, bed.OwnerUid, bed.OwnerGid);

        var (exit, stdout, stderr) = await bed.LabctlAsUserAsync(bed.Plain, ["run", "--", "sh", "-c", "echo ok > ok.txt; echo hook > .git/hook"], ct);

        // Negative control: the same run writes beside .git; only .git (${LAB}/.git: ro) refuses.
        Assert.True(exit != 0, $"writing .git succeeded\n{stdout}\n{stderr}");
        Assert.True(File.Exists(Path.Combine(bed.Plain, "ok.txt")), $"the run could not write its directory\n{stdout}\n{stderr}\n{bed.Labd.Output}");
        Assert.False(File.Exists(Path.Combine(git, "hook")));
        Assert.Equal(bed.OwnerUid, FileStatus.Owner(git));
    }
}
