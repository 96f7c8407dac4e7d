namespace Labd.SandboxPolicy.Tests;

/// <summary>ESCAPE-SUITE N6 and N18 at the matcher: only exact canonical matches are allowed.</summary>
public sealed class HostMatchingTests
{
    public static IEgressMatcher Matcher { get; } = TestPolicies.Effective("""
        network:
          allow:
            - allowed.test
            - '*.pypi.org'
            - github.com:443
            - db.internal.test:5432
            - 10.0.0.0/8:5432
          deny:
            - blocked.pypi.org
        """).Egress;

    [Fact]
    public void N6_negative_control_the_exact_name_is_allowed()
    {
        var d = Matcher.Decide("allowed.test", 443);

        Assert.True(d.Allowed);
        Assert.Equal("allowed by network.allow[0] 'allowed.test' at t.yaml:3:7", d.Reason);
        Assert.Equal(new SourceLocation("t.yaml", 3, 7), d.Origin);
    }

    [Theory]
    [InlineData("ALLOWED.TEST")]
    [InlineData("Allowed.Test")]
    [InlineData("allowed.test.")]
    public void N6_case_and_a_single_trailing_dot_canonicalize_to_the_allowed_name(string host) =>
        Assert.True(Matcher.Decide(host, 443).Allowed);

    [Theory]
    [InlineData("allowed.test:443@evil.test")]
    [InlineData("evil.test#allowed.test")]
    [InlineData("allowed.test%00.evil.test")]
    [InlineData("allowed.test\0.evil.test")]
    [InlineData("allowed.test..")]
    [InlineData("allowed..test")]
    [InlineData(".allowed.test")]
    [InlineData("allowed.test ")]
    [InlineData("allowed test")]
    [InlineData("allowed_test.test")]
    [InlineData("*.allowed.test")]
    [InlineData("")]
    [InlineData("-allowed.test")]
    [InlineData("allowed-.test")]
    [InlineData("аllowed.test")]
    [InlineData("allowed.test,evil.test")]
    [InlineData("allowed.test/evil")]
    public void N6_malformed_names_are_denied_as_malformed(string host)
    {
        var d = Matcher.Decide(host, 443);

        Assert.False(d.Allowed);
        Assert.Contains("malformed host name", d.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("\0", d.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void N6_names_longer_than_253_characters_are_malformed()
    {
        var longName = string.Join('.', Enumerable.Repeat(new string('a', 60), 5)) + ".allowed.test";

        Assert.Contains("malformed host name", Matcher.Decide(longName, 443).Reason, StringComparison.Ordinal);
        Assert.Contains("malformed host name", Matcher.Decide(new string('a', 64) + ".pypi.org", 443).Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("xallowed.test")]
    [InlineData("allowed.test.evil.test")]
    [InlineData("allowed.testx")]
    [InlineData("sub.allowed.test")]
    [InlineData("xn--llowed-2nf.test")]
    public void N6_near_misses_do_not_match(string host) =>
        Assert.False(Matcher.Decide(host, 443).Allowed);

    [Theory]
    [InlineData("127.1")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("2130706433")]
    [InlineData("0177.0.0.1")]
    [InlineData("[::ffff:127.0.0.1]")]
    [InlineData("::1")]
    [InlineData("127.0.0.1")]
    [InlineData("10.1.2.3")]
    public void N6_ip_literals_never_match_host_rules(string host)
    {
        var d = Matcher.Decide(host, 443);

        Assert.False(d.Allowed);
        Assert.Null(d.Origin);
    }

    [Fact]
    public void An_explicit_cidr_rule_admits_a_canonical_ip_literal_on_its_port_only()
    {
        Assert.True(Matcher.Decide("10.1.2.3", 5432).Allowed);
        Assert.False(Matcher.Decide("10.1.2.3", 443).Allowed);
        Assert.False(Matcher.Decide("012.1.2.3", 5432).Allowed);
    }

    [Fact]
    public void Wildcards_match_any_depth_of_subdomain_but_never_the_apex()
    {
        Assert.True(Matcher.Decide("files.pypi.org", 443).Allowed);
        Assert.True(Matcher.Decide("a.b.pypi.org", 443).Allowed);
        Assert.False(Matcher.Decide("xpypi.org", 443).Allowed);

        var apex = Matcher.Decide("pypi.org", 443);
        Assert.False(apex.Allowed);
        Assert.Equal("denied: no allow rule matches 'pypi.org'; closest allow '*.pypi.org' requires a subdomain", apex.Reason);
    }

    [Fact]
    public void Deny_rules_win_over_allow_rules_and_name_themselves()
    {
        var d = Matcher.Decide("blocked.pypi.org", 443);

        Assert.False(d.Allowed);
        Assert.Equal("denied by network.deny[0] 'blocked.pypi.org' at t.yaml:9:7", d.Reason);
    }

    [Fact]
    public void N18_ports_outside_the_rule_are_denied_with_the_allowed_ports()
    {
        Assert.Equal("denied: port 22 not allowed for 'github.com' (allowed: 443)", Matcher.Decide("github.com", 22).Reason);
        Assert.False(Matcher.Decide("allowed.test", 25).Allowed);
        Assert.True(Matcher.Decide("allowed.test", 80).Allowed);
        Assert.False(Matcher.Decide("github.com", 80).Allowed);
    }

    [Fact]
    public void Ports_lists_every_port_some_allow_rule_admits()
    {
        Assert.Equal([80, 443, 5432], Matcher.Ports);
    }

    [Fact]
    public void The_resolver_answers_only_names_some_port_allows()
    {
        Assert.True(Matcher.MayResolve("allowed.test"));
        Assert.True(Matcher.MayResolve("Files.PyPI.org."));
        Assert.False(Matcher.MayResolve("pypi.org"));
        Assert.False(Matcher.MayResolve("blocked.pypi.org"));
        Assert.False(Matcher.MayResolve("evil.test"));
        Assert.False(Matcher.MayResolve("10.1.2.3"));
        Assert.False(Matcher.MayResolve("a_b.allowed.test"));
    }

    [Fact]
    public void Single_label_names_are_denied_unless_a_rule_names_them_exactly()
    {
        Assert.Contains("malformed host name", Matcher.Decide("localhost", 443).Reason, StringComparison.Ordinal);
        var named = TestPolicies.Effective("network:\n  allow: [gitlab]\n").Egress;
        Assert.True(named.Decide("gitlab", 443).Allowed);
    }

    [Fact]
    public void An_unmatched_name_is_denied_by_default()
    {
        var d = Matcher.Decide("evil.test", 443);

        Assert.False(d.Allowed);
        Assert.Equal("denied: no allow rule matches 'evil.test'", d.Reason);
    }

    [Fact]
    public void Invalid_ports_are_denied()
    {
        Assert.False(Matcher.Decide("allowed.test", 0).Allowed);
        Assert.False(Matcher.Decide("allowed.test", 70000).Allowed);
    }
}
