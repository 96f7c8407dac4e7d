using Labd.IntegrationTests.Acceptance;
using Labd.IntegrationTests.TestBed;

namespace Labd.IntegrationTests.HostSide;

/// <summary>
/// Escape suite, host side (H12): GPUs a user gets past labd's leases. labd as packaged, the shipped
/// policies, one fake GPU, two users made by adduser. Every lease goes through one table that checks
/// the run's policy and what is held (docs/security.md, "GPU leases"); the negative control is the
/// old bypass, behind labd's test-only <c>LABD_TEST_GPU_LEASE_BYPASS</c>, where the same requests get
/// the GPU.
/// </summary>
public sealed class GpuLeaseTests
{
    private const string Train = "echo started; exec sleep 600\n";

    [Fact(Timeout = 300_000)]
    public async Task H12_labctl_run_gets_no_gpu_its_policy_or_another_users_lease_denies_and_gpu_ls_shows_its_lease()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await AcceptanceBed.StartAsync(ct, fakeGpus: 1);
        await using var alice = await NewUser.AddAsync(ct);
        await using var bob = await NewUser.AddAsync(ct);
        var repo = await bed.MakeRepositoryAsync(alice, "lab", new Dictionary<string, string> { ["train.sh"] = Train }, ct);
        await bed.OkAsync(alice, "labctl lab init . --metric score:max && labctl idea new gpus", ct, repo);

        // strict says gpus: 0: refused, and nothing leased.
        var (exit, _, stderr) = await bob.ShAsync("labctl run --policy strict --gpus 1 -- ls /dev", bed.Environment, ct);
        Assert.True(exit != 0 && stderr.Contains("--gpus 1 is more than policy 'strict' allows per run (gpus: 0)", StringComparison.Ordinal), $"{exit}: {stderr}");
        Assert.Contains("\"free\"", await bed.OkAsync(bob, "labctl gpu ls -o json", ct), StringComparison.Ordinal);
        // exp run past its lab's policy (default: gpus: 1) is refused at submit.
        (exit, _, stderr) = await alice.ShAsync("labctl exp run --idea 1 --gpus 2 -- true", bed.Environment, ct, repo);
        Assert.True(exit != 0 && stderr.Contains("allows per run (gpus: 1)", StringComparison.Ordinal), $"{exit}: {stderr}");

        // bob's run holds the only GPU: gpu ls shows it to him, and to alice only as leased.
        var run = (await bed.OkAsync(bob, "labctl run --detach --gpus 1 -- sh -c 'ls /dev; exec sleep 600'", ct)).Trim();
        try
        {
            var bobSees = await bed.OkAsync(bob, "labctl gpu ls -o json", ct);
            Assert.Contains($"\"run\":\"{run}\"", bobSees, StringComparison.Ordinal);
            Assert.Contains(bob.Name, bobSees, StringComparison.Ordinal);
            var aliceSees = await bed.OkAsync(alice, "labctl gpu ls -o json", ct);
            Assert.Contains("\"leased\"", aliceSees, StringComparison.Ordinal);
            Assert.DoesNotContain(run, aliceSees, StringComparison.Ordinal);
            Assert.DoesNotContain(bob.Name, aliceSees, StringComparison.Ordinal);
            await bed.OkAsync(bob, $"until labctl runs logs {run} | grep -q nvidia0; do sleep 0.2; done", ct);

            // alice's GPU experiment waits for it: a GPU-less one submitted after it starts and ends
            // (so the scheduler has passed over the first), and the first is still queued.
            await bed.OkAsync(alice, "labctl exp run --idea 1 --gpus 1 -- sh train.sh && labctl exp run --idea 1 -- true && labctl exp wait exp/1.2", ct, repo);
            Assert.Contains("\"status\":\"queued\"", await bed.OkAsync(alice, "labctl exp show exp/1.1 -o json", ct, repo), StringComparison.Ordinal);
        }
        finally
        {
            await bob.ShAsync($"labctl runs cancel {run}", bed.Environment, CancellationToken.None);
        }
        await bed.OkAsync(bob, $"until labctl runs show {run} -o json | grep -q '\"status\":\"ended\"'; do sleep 0.2; done", ct);
        Assert.DoesNotContain(run, await bed.OkAsync(bob, "labctl gpu ls -o json", ct), StringComparison.Ordinal);

        // Now alice's experiment gets the GPU, and bob's next run is refused at once, saying why.
        await bed.OkAsync(alice, "until labctl exp show exp/1.1 -o json | grep -q '\"status\":\"running\"'; do sleep 0.2; done", ct, repo);
        try
        {
            Assert.Contains("exp/1.1", await bed.OkAsync(alice, "labctl gpu ls -o json", ct, repo), StringComparison.Ordinal);
            (exit, _, stderr) = await bob.ShAsync("labctl run --gpus 1 -- ls /dev", bed.Environment, ct);
            Assert.True(exit != 0 && stderr.Contains("labctl run does not wait for GPUs", StringComparison.Ordinal), $"{exit}: {stderr}");
            Assert.DoesNotContain(bob.Name, await bed.OkAsync(alice, "labctl gpu ls -o json", ct), StringComparison.Ordinal);
        }
        finally
        {
            await alice.ShAsync("labctl exp cancel exp/1.1", bed.Environment, CancellationToken.None, repo);
        }
    }

    [Fact(Timeout = 300_000)]
    public async Task H12_an_agent_turn_leases_no_gpu_while_a_run_under_the_same_policy_sees_its_leased_one()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await AcceptanceBed.StartAsync(ct, fakeGpus: 1);
        await using var alice = await NewUser.AddAsync(ct);
        var repo = await bed.MakeRepositoryAsync(alice, "lab", new Dictionary<string, string> { ["PROMPT.md"] = "List the devices.\n" }, ct);
        await bed.OkAsync(alice, "labctl lab init . --metric score:max", ct, repo);

        // The turn runs under the lab's policy (default: gpus: 1), through the same lease table, asking for none.
        await bed.OkAsync(alice, "labctl agent start --agent-command 'echo devices: $(ls /dev)' --max-turns 1 >/dev/null", ct, repo);
        await bed.OkAsync(alice, "until labctl agent show 1 -o json | grep -q '\"status\":\"finished\"'; do sleep 0.2; done", ct, repo);
        var turn = await bed.OkAsync(alice, "labctl agent logs 1", ct, repo);
        Assert.Contains("devices:", turn, StringComparison.Ordinal);
        Assert.DoesNotContain("nvidia", turn, StringComparison.Ordinal);
        Assert.Contains("\"free\"", await bed.OkAsync(alice, "labctl gpu ls -o json", ct), StringComparison.Ordinal);
        // The control: the same listing, in a run under the same policy that leased the GPU, shows it.
        Assert.Contains("nvidia0", await bed.OkAsync(alice, "labctl run --gpus 1 -- sh -c 'echo devices: $(ls /dev)'", ct, repo), StringComparison.Ordinal);
    }

    [Fact(Timeout = 300_000)]
    public async Task H12_negative_control_without_the_lease_table_labctl_run_gets_the_gpu_strict_and_another_users_experiment_hold()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await AcceptanceBed.StartAsync(ct, fakeGpus: 1, labdEnvironment: new Dictionary<string, string> { ["LABD_TEST_GPU_LEASE_BYPASS"] = "1" });
        await using var alice = await NewUser.AddAsync(ct);
        await using var bob = await NewUser.AddAsync(ct);
        var repo = await bed.MakeRepositoryAsync(alice, "lab", new Dictionary<string, string> { ["train.sh"] = Train }, ct);

        Assert.Contains("nvidia0", await bed.OkAsync(bob, "labctl run --policy strict --gpus 1 -- ls /dev", ct), StringComparison.Ordinal);

        await bed.OkAsync(alice, "labctl lab init . --metric score:max && labctl idea new gpus && labctl exp run --idea 1 --gpus 1 -- sh train.sh", ct, repo);
        await bed.OkAsync(alice, "until labctl exp show exp/1.1 -o json | grep -q '\"status\":\"running\"'; do sleep 0.2; done", ct, repo);
        try
        {
            Assert.Contains("nvidia0", await bed.OkAsync(bob, "labctl run --gpus 1 -- ls /dev", ct), StringComparison.Ordinal);
        }
        finally
        {
            await alice.ShAsync("labctl exp cancel exp/1.1", bed.Environment, CancellationToken.None, repo);
        }
    }
}
