using System.Net.Sockets;
using System.Text;
using Labd.IntegrationTests.TestBed;
using Labd.Testing;

namespace Labd.IntegrationTests.Egress;

/// <summary>ESCAPE-SUITE N6: the proxy hands names to the policy exactly as sent (it never
/// "fixes" them), so only exact canonical names are allowed; malformed ones are refused.</summary>
[Collection(FakeInternetTests.Name)]
public sealed class CanonicalizationTests(FakeInternet inet)
{
    public static TheoryData<string> TrickNames =>
    [
        "ALLOWED.TEST", "allowed.test.", "allowed.test:443@evil.test", "evil.test#allowed.test", "allowed.test.evil.test",
        "xallowed.test", "*.allowed.test", "xn--allwed-5ya.test", "allowed.test%00.evil.test", "under_score.allowed.test",
        "127.1", "0x7f.0.0.1", "2130706433", "[::ffff:127.0.0.1]", "", new string('a', 250) + ".allowed.test",
    ];

    [Theory(Timeout = 30_000)]
    [MemberData(nameof(TrickNames))]
    public async Task N6_trick_names_in_sni_are_denied_and_reach_no_server(string name)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);
        var marks = Marks();

        var reply = await h.ExchangeAsync(443, ClientHelloBuilder.Build(name), ct);

        Assert.True(reply.Length == 0 || reply[0] == 0x15, "expected a TLS alert or a close");
        AssertDeniedAndUnreached(h, name, marks);
    }

    [Theory(Timeout = 30_000)]
    [MemberData(nameof(TrickNames))]
    public async Task N6_trick_names_in_the_host_header_are_denied_and_reach_no_server(string name)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);
        var marks = Marks();

        var response = await h.HttpAsync($"GET / HTTP/1.1\r\nHost: {name}\r\n\r\n", ct);

        Assert.Matches("^HTTP/1.1 40[03] ", response);
        AssertDeniedAndUnreached(h, name, marks);
    }

    [Theory(Timeout = 30_000)]
    [MemberData(nameof(TrickNames))]
    public async Task N6_trick_names_in_connect_are_denied_and_reach_no_server(string name)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);
        var marks = Marks();

        var response = await h.HttpAsync($"CONNECT {name}:443 HTTP/1.1\r\nHost: {name}:443\r\n\r\n", ct);

        Assert.Matches("^HTTP/1.1 40[03] ", response);
        AssertDeniedAndUnreached(h, name, marks);
    }

    [Fact(Timeout = 30_000)]
    public async Task N6_client_hello_split_across_records_and_segments_is_judged_whole()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct);
        var handshake = ClientHelloBuilder.Handshake(ClientHelloBuilder.Body([ClientHelloBuilder.SniExtension([Encoding.ASCII.GetBytes("denied.test")])]));
        var hello = ClientHelloBuilder.Records(handshake, 9);
        using var socket = await h.ConnectAsync(443, ct);

        for (var i = 0; i < hello.Length; i += 5)
        {
            await socket.SendAsync(hello.AsMemory(i, Math.Min(5, hello.Length - i)), SocketFlags.None, ct);
        }

        _ = await EgressHarness.ReadToEndAsync(new NetworkStream(socket), ct);
        Assert.Equal(("denied.test", false), (h.LastDecision.Host, h.LastDecision.Allowed));
    }

    [Theory(Timeout = 30_000)]
    [InlineData("ALLOWED.TEST")]
    [InlineData("allowed.test.")]
    public async Task N6_negative_control_a_lax_matcher_lets_non_canonical_names_through(string name)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await EgressHarness.StartAsync(inet, ct, new TestEgressMatcher(["allowed.test"], [], 80, 443) { CaseInsensitive = true });
        var allowed = LogMark.Of(inet.AllowedLog);

        var response = await h.HttpAsync($"GET / HTTP/1.1\r\nHost: {name}\r\n\r\n", ct);

        Assert.Contains("ALLOWED", response, StringComparison.Ordinal);
        await allowed.WaitForAsync($"Host={name}", ct);
    }

    private LogMark[] Marks() => [LogMark.Of(inet.AllowedLog), LogMark.Of(inet.DeniedLog), LogMark.Of(inet.EvilLog), LogMark.Of(inet.CanaryLog)];

    private static void AssertDeniedAndUnreached(EgressHarness h, string name, LogMark[] marks)
    {
        Assert.All(h.Decisions, d => Assert.False(d.Allowed, $"{d.Kind} {d.Host} was allowed"));
        Assert.NotEmpty(h.Decisions);
        foreach (var asked in h.Matcher.Asked)
        {
            // Whatever reached the policy is the name as sent (IP literals as their address).
            Assert.True(asked == name || asked == "127.0.0.1", $"matcher saw '{asked}' for '{name}'");
        }

        Assert.All(marks, m => Assert.Empty(m.NewText()));
    }
}
