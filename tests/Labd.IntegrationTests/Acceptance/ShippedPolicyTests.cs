using System.Text.Json;
using Labd.IntegrationTests.TestBed;

namespace Labd.IntegrationTests.Acceptance;

/// <summary>
/// What a new user meets under each policy labd ships, unmodified: <c>labctl run</c> from a plain
/// directory in a 0700 home, and GPUs leased through the <c>default</c> and <c>gpu-research</c>
/// policies on a host with two (fake) GPUs.
/// </summary>
public sealed class ShippedPolicyTests
{
    public static TheoryData<string> Shipped => ["default", "gpu-research", "strict", "offline-eval"];

    [Theory(Timeout = 300_000)]
    [MemberData(nameof(Shipped))]
    public async Task Labctl_run_works_from_a_plain_directory_in_a_0700_home_and_may_write_there(string policy)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await AcceptanceBed.StartAsync(ct);
        await using var user = await NewUser.AddAsync(ct);
        await bed.OkAsync(user, "mkdir -p ~/scratch && echo hello > ~/scratch/in.txt", ct);

        var output = await bed.OkAsync(user, $"cd ~/scratch && labctl run --policy {policy} -- sh -c 'cat in.txt && echo made > out.txt && true'", ct);

        Assert.Contains("hello", output, StringComparison.Ordinal);
        Assert.Equal("made", (await bed.OkAsync(user, "cat ~/scratch/out.txt", ct)).Trim());
        Assert.Equal("700", (await bed.OkAsync(user, "stat -c %a ~", ct)).Trim());
    }

    [Theory(Timeout = 300_000)]
    [InlineData("default")]
    [InlineData("gpu-research")]
    public async Task A_lab_under_a_shipped_gpu_policy_leases_a_gpu_for_an_experiment(string policy)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await AcceptanceBed.StartAsync(ct, fakeGpus: 2);
        await using var user = await NewUser.AddAsync(ct);
        var repo = await bed.MakeRepositoryAsync(user, "gpu-lab", new Dictionary<string, string>
        {
            ["train.sh"] = "echo visible=$CUDA_VISIBLE_DEVICES nodes=$(ls /dev | grep -c '^nvidia[0-9]')\necho '{\"metrics\": {\"score\": 1}}'\n",
        }, ct);

        await bed.OkAsync(user, $"labctl lab init . --metric score:max --policy {policy}", ct, repo);
        await bed.OkAsync(user, "labctl idea new 'one gpu'", ct, repo);
        await bed.OkAsync(user, "labctl exp run --idea 1 --gpus 1 -- sh train.sh", ct, repo);
        var (waited, _, waitErr) = await user.ShAsync("labctl exp wait exp/1.1", bed.Environment, ct, repo);
        var shown = await bed.OkAsync(user, "labctl exp show exp/1.1 -o json", ct, repo);
        var log = await bed.OkAsync(user, "labctl exp logs exp/1.1", ct, repo);

        Assert.True(waited == 0, $"exp wait exited {waited}: {waitErr}\n{shown}\n{log}\n{AcceptanceBed.Tail(bed.Labd.Output)}");
        Assert.Contains("visible=0 nodes=1", log, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(shown);
        Assert.Equal(1, json.RootElement.GetProperty("gpus").GetInt32());
    }

    [Fact(Timeout = 300_000)]
    public async Task More_gpus_than_the_host_has_are_refused_at_submit_naming_the_count()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await AcceptanceBed.StartAsync(ct, fakeGpus: 2);
        await using var user = await NewUser.AddAsync(ct);
        var repo = await bed.MakeRepositoryAsync(user, "big-lab", new Dictionary<string, string> { ["train.sh"] = "true\n" }, ct);
        await bed.OkAsync(user, "labctl lab init . --metric score:max --policy gpu-research", ct, repo);
        await bed.OkAsync(user, "labctl idea new wide", ct, repo);

        var (exit, stdout, stderr) = await user.ShAsync("labctl exp run --idea 1 --gpus 4 -- sh train.sh", bed.Environment, ct, repo);
        var listed = await bed.OkAsync(user, "labctl exp ls -o json", ct, repo);

        Assert.True(exit != 0, $"accepted: {stdout}");
        Assert.Contains("2 GPUs", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Equal("[]", listed.Trim().Replace(" ", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal));
    }
}
