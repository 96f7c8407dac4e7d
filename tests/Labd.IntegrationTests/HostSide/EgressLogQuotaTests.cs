using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Labd.Egress;
using Labd.IntegrationTests.Egress;
using Labd.IntegrationTests.TestBed;
using Labd.Policy;
using Labd.SandboxPolicy;

namespace Labd.IntegrationTests.HostSide;

/// <summary>
/// Escape suite, host side (Q1): a sandbox floods its DNS listener with names the shipped default
/// policy refuses, so every query is a decision labd logs. The run's <c>egress.jsonl</c> stays
/// under its size cap and its rate limit, and what was not logged is counted in <c>dropped</c>
/// lines. The control turns both limits off: the same flood then writes every line.
/// </summary>
[Collection(FakeInternetTests.Name)]
public sealed class EgressLogQuotaTests(FakeInternet inet)
{
    private const int SmallCap = 64 * 1024;

    [Fact(Timeout = 120_000)]
    public async Task Q1_a_refused_dns_flood_writes_at_most_the_size_cap_and_counts_the_rest()
    {
        var ct = TestContext.Current.CancellationToken;
        var (lines, dropped, bytes, _) = await FloodAsync(new EgressOptions { LogLinesPerSecond = 0, LogBytes = SmallCap }, 1500, ct);

        Assert.True(bytes <= SmallCap, $"egress.jsonl is {bytes} bytes, over its cap of {SmallCap}");
        Assert.True(dropped.Sum() > 0, "nothing was dropped");
        Assert.Equal(1500, lines + dropped.Sum());
        Assert.Contains(dropped.Reasons, r => r.Contains("limits.egressLogBytes", StringComparison.Ordinal));
    }

    [Fact(Timeout = 120_000)]
    public async Task Q1_a_refused_dns_flood_is_logged_at_most_at_the_rate_limit_and_counts_the_rest()
    {
        var ct = TestContext.Current.CancellationToken;
        const int burst = 50;
        var (lines, dropped, _, elapsed) = await FloodAsync(new EgressOptions { LogLinesPerSecond = 1, LogBurst = burst, LogBytes = 0 }, 600, ct);

        // The bucket holds the burst and gains one line a second while the flood lasts.
        var allowed = burst + (int)Math.Ceiling(elapsed.TotalSeconds) + 1;
        Assert.True(lines <= allowed, $"{lines} decision lines written in {elapsed.TotalSeconds:0.0} s; at most {allowed} allowed");
        Assert.Equal(600, lines + dropped.Sum());
        Assert.True(dropped.Sum() > 0, "nothing was dropped");
        Assert.Contains(dropped.Reasons, r => r.Contains("limits.egressLogLinesPerSecond", StringComparison.Ordinal));
    }

    [Fact(Timeout = 120_000)]
    public async Task Q1_negative_control_without_limits_the_same_flood_writes_every_line()
    {
        var ct = TestContext.Current.CancellationToken;
        var (lines, dropped, bytes, _) = await FloodAsync(new EgressOptions { LogLinesPerSecond = 0, LogBytes = 0 }, 1500, ct);

        Assert.Equal(1500, lines);
        Assert.Empty(dropped.Counts);
        Assert.True(bytes > SmallCap, $"egress.jsonl is only {bytes} bytes");
    }

    /// <summary>Sends <paramref name="queries"/> refused queries over UDP, closes the egress (which writes the
    /// last count) and reads the file back: decision lines, dropped lines, bytes, how long the flood took.</summary>
    private async Task<(int Lines, Dropped Dropped, long Bytes, TimeSpan Elapsed)> FloodAsync(EgressOptions options, int queries, CancellationToken ct)
    {
        await using var h = await EgressHarness.StartAsync(inet, ct, options: options, policy: ShippedDefaultEgress());
        var dns = new IPEndPoint(h.Egress.ListenAddress, h.Egress.DnsPort);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < queries; i++)
        {
            var (rcode, _) = await DnsClient.QueryAsync(dns, $"q{i.ToString(CultureInfo.InvariantCulture)}.exfil.evil.test", DnsRecordTypes.A, tcp: false, ct);
            Assert.Equal(DnsRecordTypes.Refused, rcode);
        }
        var elapsed = clock.Elapsed;
        await h.Egress.DisposeAsync();
        TestContext.Current.SendDiagnosticMessage($"Q1: {queries} queries in {elapsed.TotalSeconds:0.0} s");

        var path = Path.Combine(h.RunDirectory, EgressDecisionLog.FileName);
        var dropped = new Dropped();
        var lines = 0;
        foreach (var line in await File.ReadAllLinesAsync(path, ct))
        {
            using var json = JsonDocument.Parse(line);
            if (json.RootElement.GetProperty("kind").GetString() == EgressKinds.Dropped)
            {
                dropped.Counts.Add(json.RootElement.GetProperty("dropped").GetInt64());
                dropped.Reasons.Add(json.RootElement.GetProperty("reason").GetString()!);
            }
            else
            {
                Assert.Equal(EgressKinds.Dns, json.RootElement.GetProperty("kind").GetString());
                lines++;
            }
        }
        TestContext.Current.SendDiagnosticMessage($"Q1: {lines} decision lines, {dropped.Sum()} dropped in {dropped.Counts.Count} dropped lines, {new FileInfo(path).Length} bytes");
        return (lines, dropped, new FileInfo(path).Length, elapsed);
    }

    /// <summary>The egress rules of the shipped <c>default</c> policy, as labd compiles them for a run.</summary>
    private static IEgressMatcher ShippedDefaultEgress()
    {
        var set = PolicySet.Load(PolicySources.ReadEmbedded()).Set ?? throw new InvalidOperationException("the shipped policies do not load");
        var result = PolicyCompiler.Compile(set.Find("default")!, new PolicyVariables("/srv/lab", "/srv/lab", "/root"));
        return result.Spec?.Egress ?? throw new InvalidOperationException(string.Join("; ", result.Diagnostics));
    }

    private sealed class Dropped
    {
        public List<long> Counts { get; } = [];

        public List<string> Reasons { get; } = [];

        public long Sum() => Counts.Sum();
    }
}
