using System.Text.Json;
using Labd.IntegrationTests.Acceptance;
using Labd.IntegrationTests.TestBed;

namespace Labd.IntegrationTests.HostSide;

/// <summary>
/// Escape suite, host side (H8): what one user learns about another's work through labd. Two users
/// made by adduser; alice runs an experiment on a leased GPU; bob asks labd what it knows.
/// </summary>
public sealed class LeakTests
{
    [Fact(Timeout = 300_000)]
    public async Task H8_another_users_gpu_lease_and_counts_are_not_shown_but_the_owner_sees_them()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await AcceptanceBed.StartAsync(ct, fakeGpus: 2);
        await using var alice = await NewUser.AddAsync(ct);
        await using var bob = await NewUser.AddAsync(ct);
        var repo = await bed.MakeRepositoryAsync(alice, "secret-lab", new Dictionary<string, string> { ["train.sh"] = "echo started; exec sleep 600\n" }, ct);
        await bed.OkAsync(alice, "labctl lab init . --metric score:max && labctl idea new hidden && labctl exp run --idea 1 --gpus 1 -- sh train.sh", ct, repo);
        await bed.OkAsync(alice, "until labctl exp show exp/1.1 -o json | grep -q '\"status\":\"running\"'; do sleep 0.2; done", ct, repo);
        try
        {
            var bobGpus = await bed.OkAsync(bob, "labctl gpu ls -o json", ct);
            var aliceGpus = await bed.OkAsync(alice, "labctl gpu ls -o json", ct);
            var bobStatus = await bed.OkAsync(bob, "labctl status -o json", ct);

            Assert.DoesNotContain("secret-lab", bobGpus, StringComparison.Ordinal);
            Assert.DoesNotContain(alice.Name, bobGpus, StringComparison.Ordinal);
            Assert.Contains("\"leased\"", bobGpus, StringComparison.Ordinal);
            // The control: the oracle sees the lease where it may be shown.
            Assert.Contains("secret-lab", aliceGpus, StringComparison.Ordinal);
            Assert.Contains(alice.Name, aliceGpus, StringComparison.Ordinal);
            using var status = JsonDocument.Parse(bobStatus);
            var counts = status.RootElement.GetProperty("counts");
            Assert.Equal(0, counts.GetProperty("labs").GetInt64());
            Assert.Equal(0, counts.GetProperty("experiments").GetInt64());
            Assert.False(counts.TryGetProperty("events", out _), bobStatus);
        }
        finally
        {
            await alice.ShAsync("labctl exp cancel exp/1.1", bed.Environment, CancellationToken.None, repo);
        }
    }

    /// <summary>H10: a lab's trees under the state directory (here a running experiment's) are
    /// readable by its owner and root only; bob knows the path (it is guessable) and still cannot.</summary>
    [Fact(Timeout = 300_000)]
    public async Task H10_another_user_cannot_read_a_labs_experiment_tree_that_its_owner_and_the_sandbox_can()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await AcceptanceBed.StartAsync(ct, fakeGpus: 0);
        await using var alice = await NewUser.AddAsync(ct);
        await using var bob = await NewUser.AddAsync(ct);
        var secret = "labd-h10-" + Guid.NewGuid().ToString("N")[..12];
        var repo = await bed.MakeRepositoryAsync(alice, "tree-lab", new Dictionary<string, string>
        {
            ["train.sh"] = "cat secret.txt; exec sleep 600\n",
            ["secret.txt"] = secret + "\n",
        }, ct);
        await bed.OkAsync(alice, "labctl lab init . --metric score:max && labctl idea new hidden && labctl exp run --idea 1 -- sh train.sh", ct, repo);
        // The sandbox read its tree (the experiment's output holds the secret), so the lab's
        // directory did not shut the sandbox out.
        await bed.OkAsync(alice, $"until labctl exp logs exp/1.1 | grep -q {secret}; do sleep 0.2; done", ct, repo);
        try
        {
            var lab = Path.Combine(bed.Labd.StateDir, "labs", "tree-lab");
            var tree = Path.Combine(Directory.GetDirectories(Path.Combine(lab, "experiments")).Single(), "tree");
            var read = $"cat '{tree}/secret.txt'";

            var (bobExit, bobOut, _) = await bob.ShAsync(read, bed.Environment, ct);
            Assert.NotEqual(0, bobExit);
            Assert.DoesNotContain(secret, bobOut, StringComparison.Ordinal);
            Assert.Contains(secret, await bed.OkAsync(alice, read, ct), StringComparison.Ordinal);
            Assert.Equal("700", Convert.ToString((int)File.GetUnixFileMode(lab) & 0b111_000_111, 8));

            // The control: with the lab directory's old mode (0711) the same read succeeds.
            Interop.Chmod.Set(lab, 0b111_001_001);
            var (controlExit, controlOut, controlErr) = await bob.ShAsync(read, bed.Environment, ct);
            Assert.True(controlExit == 0 && controlOut.Contains(secret, StringComparison.Ordinal), controlErr);
        }
        finally
        {
            await alice.ShAsync("labctl exp cancel exp/1.1", bed.Environment, CancellationToken.None, repo);
        }
    }
}
