using Labd.IntegrationTests.Daemon;
using Labd.IntegrationTests.Experiments;
using Labd.IntegrationTests.Tracker;

namespace Labd.IntegrationTests.Policy;

/// <summary>Removing a policy that a lab uses, and moving the lab with <c>labctl lab set-policy</c>.</summary>
public sealed class LabPolicyTests
{
    [Fact(Timeout = 180_000)]
    public async Task A_reload_that_removes_a_policy_in_use_is_refused_naming_the_lab_until_the_owner_moves_it()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await ExperimentsBed.StartShippedAsync(fakeGpus: 0, ct);
        var team = Path.Combine(bed.PoliciesDirectory, "team.yaml");
        await File.WriteAllTextAsync(team, "extends: default\n", ct);
        var (exit, _, stderr) = await Labctl.RunAsync(bed.Labd.SocketPath, ["policy", "reload"], ct);
        Assert.True(exit == 0, stderr);
        var root = await bed.CreateLabAsync("lab-t", new Dictionary<string, string> { ["x"] = "" }, ct, policy: "team");
        File.Delete(team);

        (exit, _, stderr) = await Labctl.RunAsync(bed.Labd.SocketPath, ["policy", "reload"], ct);

        Assert.True(exit == 7, $"exit {exit}: {stderr}");
        Assert.Contains("policy 'team' is gone", stderr, StringComparison.Ordinal);
        Assert.Contains("lab(s) lab-t use it", stderr, StringComparison.Ordinal);
        Assert.Contains("labctl lab set-policy --lab lab-t NAME", stderr, StringComparison.Ordinal);
        var (listed, list, _) = await Labctl.RunAsync(bed.Labd.SocketPath, ["policy", "ls"], ct);
        Assert.True(listed == 0 && list.Contains("team", StringComparison.Ordinal), list);

        // Negative controls: a user cannot move a lab that is not theirs (root's lab-o); an unknown policy is refused.
        await bed.CreateLabAsync("lab-o", new Dictionary<string, string> { ["x"] = "" }, ct);
        await using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(bed.Labd.StateDir, "labd.db")};Pooling=False"))
        {
            await db.OpenAsync(ct);
            await using var update = db.CreateCommand();
            update.CommandText = "PRAGMA busy_timeout=10000; UPDATE labs SET owner_uid = 0 WHERE id = 'lab-o';";
            await update.ExecuteNonQueryAsync(ct);
        }
        var (notOwner, _, notOwnerErr) = await TrackerBed.AsUserAsync(TestAccounts.User, root, Labctl.BinaryPath, ["--socket", bed.Labd.SocketPath, "lab", "set-policy", "--lab", "lab-o", "strict"], ct);
        Assert.True(notOwner != 0 && notOwnerErr.Contains("no lab 'lab-o' of yours", StringComparison.Ordinal), notOwnerErr);
        var (unknown, _, unknownErr) = await TrackerBed.AsUserAsync(TestAccounts.User, root, Labctl.BinaryPath, ["--socket", bed.Labd.SocketPath, "lab", "set-policy", "--lab", "lab-t", "nope"], ct);
        Assert.True(unknown != 0 && unknownErr.Contains("no policy 'nope'", StringComparison.Ordinal), unknownErr);

        var (moved, movedOut, movedErr) = await TrackerBed.AsUserAsync(TestAccounts.User, root, Labctl.BinaryPath, ["--socket", bed.Labd.SocketPath, "lab", "set-policy", "--lab", "lab-t", "default"], ct);
        Assert.True(moved == 0, movedErr);
        Assert.Contains("policy team → default", movedOut, StringComparison.Ordinal);

        (exit, _, stderr) = await Labctl.RunAsync(bed.Labd.SocketPath, ["policy", "reload"], ct);
        Assert.True(exit == 0, stderr);
        (_, list, _) = await Labctl.RunAsync(bed.Labd.SocketPath, ["policy", "ls"], ct);
        Assert.DoesNotContain("team", list, StringComparison.Ordinal);
    }
}
