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
}
