using System.Diagnostics;
using System.Net;

namespace Labd.SandboxPolicy.Tests;

public sealed class FuzzTests
{
    private const int Seed = 20261124;
    private const int Inputs = 12_000;

    [Fact(Timeout = 120_000)]
    public async Task Ten_thousand_mutated_policies_never_throw_and_every_rejection_has_a_position()
    {
        var output = TestContext.Current.TestOutputHelper!;
        output.WriteLine($"fuzz seed {Seed}, {Inputs} inputs");
        var corpus = Directory.GetFiles(TestPolicies.ShippedDirectory, "*.yaml").Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
        var parents = Directory.GetFiles(TestPolicies.ShippedDirectory, "*.yaml")
            .Select(p => new PolicySource(Path.GetFileNameWithoutExtension(p), p, File.ReadAllBytes(p)))
            .Where(s => s.Name == "default")
            .ToList();

        var (rejected, accepted, slowest) = await Task.Run(() => Run(corpus, parents), TestContext.Current.CancellationToken);

        output.WriteLine($"rejected {rejected}, accepted {accepted}, slowest {slowest.TotalMilliseconds:F1} ms");
        Assert.True(rejected > Inputs / 4, "the fuzzer should produce many invalid files");
        Assert.True(accepted > 50, "the fuzzer should keep some files valid");
    }

    private static (int Rejected, int Accepted, TimeSpan Slowest) Run(List<byte[]> corpus, List<PolicySource> parents)
    {
        var fuzzer = new PolicyFuzzer(Seed, corpus);
        var total = Stopwatch.StartNew();
        var slowest = TimeSpan.Zero;
        int rejected = 0, accepted = 0;
        for (var i = 0; i < Inputs; i++)
        {
            var input = fuzzer.Next(i);
            var watch = Stopwatch.StartNew();
            var parsed = PolicyLoader.Parse("t", "t.yaml", input);
            var result = parsed.HasErrors ? null : PolicySet.Load([.. parents, new PolicySource("t", "t.yaml", input)]);
            if (result is { Success: true })
            {
                accepted++;
                Exercise(result.Set.Find("t")!);
            }
            else
            {
                rejected++;
                var errors = result?.Errors.ToList() ?? [.. parsed.Diagnostics.Where(d => d.IsError)];
                Assert.NotEmpty(errors);
                Assert.All(errors, d => Assert.True(d.Location.Line >= 1 && d.Location.Column >= 1 && d.Location.File == "t.yaml", $"input {i}: {d}"));
            }

            watch.Stop();
            slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"input {i} (seed {Seed}) took {watch.Elapsed}");
        }

        Assert.True(total.Elapsed < TimeSpan.FromSeconds(60), $"fuzzing took {total.Elapsed}");
        return (rejected, accepted, slowest);
    }

    private static void Exercise(EffectivePolicy policy)
    {
        _ = PolicyCompiler.Compile(policy, new PolicyVariables("/srv/lab", "/srv/lab/wt", "/home/u"));
        _ = PolicyExplain.Path(policy, "/srv/lab/wt/x");
        _ = PolicyExplain.Host(policy, "pypi.org:443");
        _ = policy.Egress.DecideAddress(IPAddress.Loopback, 443);
        _ = policy.Egress.MayResolve("files.pythonhosted.org");
        var again = PolicySet.Load([new PolicySource("t", "show.yaml", System.Text.Encoding.UTF8.GetBytes(policy.CanonicalYaml))]);
        Assert.True(again.Success, string.Join("\n", again.Diagnostics) + "\n" + policy.CanonicalYaml);
        Assert.Equal(policy.Hash, again.Set.Find("t")!.Hash);
    }
}
