using System.Net;

namespace Labd.SandboxPolicy.Tests;

public sealed class MatcherFuzzTests
{
    private const int Seed = 6;

    private static readonly string[] Pieces =
    [
        "allowed", "test", "evil", ".", ".", "-", "_", "*", "@", "#", "%", "%00", "\0", ":", "443", " ", "[", "]", "::1", "0x7f",
        "127", "1", "A", "LLOWED", "xn--", "é", "\u0430", "/", "\\", "\t", "\n", ",", "a.b", "pypi", "org", "files", "..",
    ];

    [Fact(Timeout = 60_000)]
    public async Task N6_random_host_strings_are_only_allowed_when_their_canonical_form_is_allowed()
    {
        TestContext.Current.TestOutputHelper!.WriteLine($"matcher fuzz seed {Seed}");
        var matcher = TestPolicies.Effective("network:\n  allow: [allowed.test, '*.pypi.org', 10.0.0.0/8]\n  deny: [evil.allowed.test]\n").Egress;

        await Task.Run(
            () =>
            {
                var random = new Random(Seed);
                for (var i = 0; i < 50_000; i++)
                {
                    var host = string.Concat(Enumerable.Range(0, random.Next(1, 8)).Select(_ => Pieces[random.Next(Pieces.Length)]));
                    var d = matcher.Decide(host, random.Next(2) == 0 ? 443 : random.Next(-1, 70000));
                    Assert.NotEmpty(d.Reason);
                    if (!d.Allowed)
                    {
                        continue;
                    }

                    var canonical = host.ToLowerInvariant().TrimEnd('.');
                    var isAddress = IPAddress.TryParse(canonical, out var ip) && ip.ToString() == canonical && canonical.StartsWith("10.", StringComparison.Ordinal);
                    Assert.True(
                        canonical == "allowed.test" || (canonical.EndsWith(".pypi.org", StringComparison.Ordinal) && !canonical.Contains("..", StringComparison.Ordinal)) || isAddress,
                        $"'{HostName.Display(host)}' was allowed: {d.Reason}");
                }
            },
            TestContext.Current.CancellationToken);
    }
}
