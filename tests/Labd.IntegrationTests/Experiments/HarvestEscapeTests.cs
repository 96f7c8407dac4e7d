using System.Diagnostics;
using Labd.Experiments;
using Labd.IntegrationTests.Daemon;
using Labd.Interop;
using Labd.Runs;

namespace Labd.IntegrationTests.Experiments;

/// <summary>
/// ESCAPE-SUITE B14: an experiment plants hostile entries in its tree and a huge metrics line;
/// labd's hand-over of the tree (before the run), harvest and hand-back (after it) must touch
/// nothing outside the tree, never hang, and keep their size caps.
/// </summary>
public sealed class HarvestEscapeTests : IDisposable
{
    // A uid in no sandbox user's range: stands in for the target's host uid.
    private const int Target = 3_999_999;
    private const int Owner = 3_999_000;

    private readonly TestDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Tree => _dir["tree"];

    /// <summary>A root-owned file outside the tree, like /etc/shadow (never the real one in the control).</summary>
    private string Scratch => _dir["scratch-shadow"];

    /// <summary>A target-owned file outside the tree that the target hard-links into it.</summary>
    private string Outside => _dir["outside-owned"];

    private static async Task ExecAsync(string file, string[] args, CancellationToken cancellationToken)
    {
        using var process = Process.Start(file, args);
        await process.WaitForExitAsync(cancellationToken);
        Assert.Equal(0, process.ExitCode);
    }

    private async Task PlantAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.Combine(Tree, "outputs"));
        File.WriteAllText(Scratch, "root:secret\n");
        File.WriteAllText(Outside, "mine\n");
        Chown.Set(Outside, Target, Target);
        var outputs = Path.Combine(Tree, "outputs");
        File.CreateSymbolicLink(Path.Combine(outputs, "res.json"), "/etc/shadow");
        File.CreateSymbolicLink(Path.Combine(outputs, "scratch.json"), Scratch);
        File.CreateSymbolicLink(Path.Combine(outputs, "big"), "/dev/zero");
        File.CreateSymbolicLink(Path.Combine(outputs, "loop"), "loop");
        File.CreateSymbolicLink(Path.Combine(outputs, "up"), _dir.Path);
        await ExecAsync("mkfifo", [Path.Combine(outputs, "fifo")], cancellationToken);
        using (var sparse = File.Create(Path.Combine(outputs, "sparse")))
        {
            sparse.SetLength(10L << 30);
        }
        await ExecAsync("ln", [Outside, Path.Combine(outputs, "hardlink")], cancellationToken);
        // As the target would own them after the run (lchown: the links themselves).
        foreach (var entry in Directory.EnumerateFileSystemEntries(outputs).Append(outputs).Append(Tree))
        {
            Chown.Set(entry, Target, Target);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task B14_handing_the_tree_over_and_back_chowns_nothing_outside_it()
    {
        Root.Require("chown needs root");
        await PlantAsync(TestContext.Current.CancellationToken);
        var shadowOwner = FileStatus.Owner("/etc/shadow");

        var given = TreeOwnership.Give(Tree, Target + 1, Target + 1);
        var returned = TreeOwnership.Return(Tree, Target + 1, Owner, Owner);

        Assert.Equal(shadowOwner, FileStatus.Owner("/etc/shadow"));
        Assert.Equal(0, FileStatus.Owner(Scratch));
        Assert.Equal(0, FileStatus.Owner(_dir.Path));
        // The hard-linked inode is shared with a file outside the tree: left alone both ways.
        Assert.Equal(Target, FileStatus.Owner(Outside));
        Assert.Equal(Owner, FileStatus.Owner(Path.Combine(Tree, "outputs", "sparse")));
        Assert.Equal(Owner, FileStatus.Owner(Path.Combine(Tree, "outputs", "res.json")));
        Assert.Equal(Owner, FileStatus.Owner(Path.Combine(Tree, "outputs", "fifo")));
        // tree, outputs and its eight entries but the hard link.
        Assert.Equal((9, 9), (given, returned));
    }

    [Fact(Timeout = 60_000)]
    public async Task B14_control_a_naive_walk_that_follows_links_chowns_a_host_file()
    {
        Root.Require("chown needs root");
        await PlantAsync(TestContext.Current.CancellationToken);
        // The weakened path: enumerate and chown(2), which follows symlinks.
        foreach (var entry in Directory.EnumerateFileSystemEntries(Tree, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            if (entry.EndsWith("res.json", StringComparison.Ordinal))
            {
                continue; // never the real /etc/shadow
            }
            try
            {
                FileOwnership.Change(entry, Owner, Owner);
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // loop -> loop: ELOOP
            }
        }
        Assert.Equal(Owner, FileStatus.Owner(Scratch));
        Assert.Equal(Owner, FileStatus.Owner(_dir.Path));
    }

    [Fact(Timeout = 30_000)]
    public async Task B14_a_10_MB_metrics_line_fails_the_run_reading_only_the_tail()
    {
        await Task.Yield();
        TestContext.Current.CancellationToken.ThrowIfCancellationRequested();
        var log = _dir["output.log"];
        using (var writer = File.CreateText(log))
        {
            writer.Write("step 1\n{\"metrics\": {\"pad\": \"");
            writer.Write(new string('a', 10 << 20));
            writer.Write("\"}}\n");
        }
        var watch = Stopwatch.StartNew();
        var end = MetricsHarvest.Harvest(new RunExit(RunOutcome.Exited, 0, null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, false), log);
        Assert.Equal("failed", end.Status);
        Assert.StartsWith("metrics line longer than 64 KiB", end.Reason, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"harvest took {watch.Elapsed}");
    }

    [Fact(Timeout = 30_000)]
    public async Task B14_a_fifo_or_symlink_in_place_of_the_log_is_neither_waited_on_nor_followed()
    {
        var fifo = _dir["fifo.log"];
        await ExecAsync("mkfifo", [fifo], TestContext.Current.CancellationToken);
        var exit = new RunExit(RunOutcome.Exited, 0, null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, false);
        Assert.Equal("failed", MetricsHarvest.Harvest(exit, fifo).Status);
        var link = _dir["link.log"];
        File.WriteAllText(_dir["real"], "{\"metrics\": {\"x\": 1}}\n");
        File.CreateSymbolicLink(link, _dir["real"]);
        Assert.Null(MetricsHarvest.Harvest(exit, link).Metrics);
    }
}
