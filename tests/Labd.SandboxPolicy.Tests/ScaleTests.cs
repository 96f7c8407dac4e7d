using System.Diagnostics;
using System.Text;

namespace Labd.SandboxPolicy.Tests;

public sealed class ScaleTests
{
    [Fact(Timeout = 60_000)]
    public async Task A_one_mebibyte_policy_with_tens_of_thousands_of_rules_loads_and_decides_quickly()
    {
        var yaml = new StringBuilder("network:\n  allow:\n");
        for (var i = 0; i < 25_000; i++)
        {
            yaml.Append("    - h").Append(i).Append(".test\n");
        }

        yaml.Append("  deny:\n");
        for (var i = 0; i < 25_000; i++)
        {
            yaml.Append("    - d").Append(i).Append(".test\n");
        }

        Assert.True(yaml.Length < PolicyLoader.MaxFileBytes);
        var watch = Stopwatch.StartNew();

        var policy = await Task.Run(() => TestPolicies.Effective(yaml.ToString()), TestContext.Current.CancellationToken);
        var miss = policy.Egress.Decide("nowhere.test", 443);
        var hit = policy.Egress.Decide("h24999.test", 443);

        Assert.False(miss.Allowed);
        Assert.True(hit.Allowed);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }
}
