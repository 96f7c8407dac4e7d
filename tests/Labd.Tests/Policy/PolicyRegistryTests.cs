using System.Text;
using Labd.Policy;
using Labd.SandboxPolicy;

namespace Labd.Tests.Policy;

public sealed class PolicyRegistryTests
{
    private static PolicySet Set(int gpus, params string[] names)
    {
        var result = PolicySet.Load(names.Select(n => new PolicySource(n, n + ".yaml", Encoding.UTF8.GetBytes($"gpus: {gpus}\n"))));
        Assert.True(result.Success, string.Join('\n', result.Diagnostics));
        return result.Set;
    }

    [Fact(Timeout = 60000)]
    public async Task Concurrent_readers_see_the_old_set_or_the_new_one_never_a_mix()
    {
        var ct = TestContext.Current.CancellationToken;
        var sets = new[] { Set(1, "a", "b", "c"), Set(2, "a", "b", "c", "d") };
        var registry = new PolicyRegistry(sets[0], "dir", embedded: false);
        using var done = new CancellationTokenSource();
        var reads = new long[4];
        var readers = Enumerable.Range(0, reads.Length).Select(r => Task.Run(() =>
        {
            long lastGeneration = 0;
            while (!done.IsCancellationRequested)
            {
                var snapshot = registry.Current;
                var gpus = snapshot.Policies.Values.Select(p => p.MaxGpus).Distinct().Single();
                Assert.Equal(gpus == 1 ? 3 : 4, snapshot.Policies.Count);
                Assert.Same(sets[gpus - 1], snapshot.Set);
                Assert.True(snapshot.Generation >= lastGeneration, "generations never go back");
                lastGeneration = snapshot.Generation;
                Interlocked.Increment(ref reads[r]);
            }
        }, ct)).ToList();

        // Swap until every reader has read many times while swaps were happening (no sleeps: 2 shared cores).
        var installs = 0;
        while (installs < 2000 || Enumerable.Range(0, reads.Length).Any(i => Volatile.Read(ref reads[i]) < 1000))
        {
            ct.ThrowIfCancellationRequested();
            installs++;
            registry.Install(sets[installs % 2], "dir", embedded: false);
            if (readers.FirstOrDefault(t => t.IsFaulted) is { } failed)
            {
                await failed;
            }
        }
        await done.CancelAsync();
        await Task.WhenAll(readers);

        Assert.Equal(installs + 1, registry.Current.Generation);
    }

    [Fact]
    public void Install_returns_the_previous_snapshot_and_TryGet_uses_the_new_one()
    {
        var registry = new PolicyRegistry(Set(1, "a"), "dir", embedded: false);

        var (previous, installed) = registry.Install(Set(2, "b"), "dir", embedded: false);

        Assert.Equal(1, previous.Generation);
        Assert.Equal(2, installed.Generation);
        Assert.False(registry.TryGet("a", out _));
        Assert.True(registry.TryGet("b", out var b));
        Assert.Equal(2, b.MaxGpus);
        Assert.True(registry.LastReload!.Succeeded);
    }

    [Fact]
    public void Diff_names_added_removed_and_changed_policies_with_their_hashes()
    {
        var registry = new PolicyRegistry(Set(1, "kept", "gone", "edited"), "dir", embedded: false);
        var before = registry.Current;
        var next = PolicySet.Load([
            new PolicySource("kept", "kept.yaml", Encoding.UTF8.GetBytes("gpus: 1\n")),
            new PolicySource("edited", "edited.yaml", Encoding.UTF8.GetBytes("gpus: 4\n")),
            new PolicySource("new", "new.yaml", Encoding.UTF8.GetBytes("gpus: 1\n")),
        ]).Set!;

        var (_, after) = registry.Install(next, "dir", embedded: false);
        var changes = PolicyReloader.Diff(before, after);

        Assert.Equal(["edited:changed", "gone:removed", "new:added"], changes.Select(c => $"{c.Name}:{c.Change}"));
        Assert.Equal(before.Policies["edited"].Hash, changes[0].OldHash);
        Assert.Equal(after.Policies["edited"].Hash, changes[0].NewHash);
    }

    [Fact]
    public void The_shipped_policies_are_embedded_and_valid()
    {
        var sources = PolicySources.ReadEmbedded();
        var load = PolicySet.Load(sources);

        Assert.Equal(["default", "gpu-research", "offline-eval", "strict"], sources.Select(s => s.Name));
        Assert.True(load.Success, string.Join('\n', load.Diagnostics));
    }
}
