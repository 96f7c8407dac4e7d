using System.Net;

namespace Labd.SandboxPolicy.Tests;

/// <summary>ESCAPE-SUITE N13 and N14: resolved and literal addresses.</summary>
public sealed class AddressTests
{
    public static IEgressMatcher Public { get; } = TestPolicies.Effective("network:\n  allow: ['*.allowed.test']\n").Egress;

    public static IEgressMatcher WithCidr { get; } = TestPolicies.Effective("""
        network:
          allow:
            - '*.allowed.test'
            - 10.0.0.0/8:5432
            - '[fd00::/8]:443'
          deny:
            - 10.9.0.0/16
        """).Egress;

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.0.9")]
    [InlineData("169.254.169.254")]
    [InlineData("10.0.0.1")]
    [InlineData("172.16.5.4")]
    [InlineData("192.168.1.1")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("fe80::1")]
    [InlineData("fd00::2")]
    [InlineData("ff02::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("64:ff9b::7f00:1")]
    [InlineData("::127.0.0.1")]
    public void N13_non_public_resolved_addresses_are_refused(string address) =>
        Assert.False(Public.AllowsResolvedAddress(IPAddress.Parse(address), 443));

    [Theory]
    [InlineData("198.51.100.10")]
    [InlineData("8.8.8.8")]
    [InlineData("2001:db8::66")]
    [InlineData("::ffff:198.51.100.10")]
    public void N13_negative_control_public_resolved_addresses_are_allowed(string address) =>
        Assert.True(Public.AllowsResolvedAddress(IPAddress.Parse(address), 443));

    [Fact]
    public void An_explicit_cidr_allow_rule_admits_private_resolved_addresses_on_its_port()
    {
        Assert.True(WithCidr.AllowsResolvedAddress(IPAddress.Parse("10.1.2.3"), 5432));
        Assert.True(WithCidr.AllowsResolvedAddress(IPAddress.Parse("::ffff:10.1.2.3"), 5432));
        Assert.False(WithCidr.AllowsResolvedAddress(IPAddress.Parse("10.1.2.3"), 443));
        Assert.False(WithCidr.AllowsResolvedAddress(IPAddress.Parse("10.9.1.1"), 5432));
        Assert.True(WithCidr.AllowsResolvedAddress(IPAddress.Parse("fd00::5"), 443));
    }

    [Theory]
    [InlineData("198.51.100.66", 8080)]
    [InlineData("127.0.0.1", 80)]
    [InlineData("::ffff:198.51.100.66", 8080)]
    [InlineData("2001:db8::66", 443)]
    public void N1_N14_ip_literals_without_a_cidr_rule_are_denied(string address, int port)
    {
        var d = Public.DecideAddress(IPAddress.Parse(address), port);

        Assert.False(d.Allowed);
        Assert.Contains("no CIDR rule allows", d.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void DecideAddress_treats_v4_mapped_v6_as_v4_and_honours_cidr_deny()
    {
        Assert.True(WithCidr.DecideAddress(IPAddress.Parse("::ffff:10.1.2.3"), 5432).Allowed);
        Assert.Equal("denied: port 22 not allowed for '10.1.2.3' (allowed: 5432)", WithCidr.DecideAddress(IPAddress.Parse("10.1.2.3"), 22).Reason);
        var denied = WithCidr.DecideAddress(IPAddress.Parse("10.9.0.1"), 5432);
        Assert.False(denied.Allowed);
        Assert.StartsWith("denied by network.deny[0] '10.9.0.0/16'", denied.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Address_rules_never_match_host_names_and_host_rules_never_match_addresses()
    {
        Assert.False(WithCidr.Decide("db.allowed.test", 5432).Allowed);
        Assert.True(WithCidr.Decide("db.allowed.test", 443).Allowed);
        Assert.False(WithCidr.DecideAddress(IPAddress.Parse("198.51.100.10"), 443).Allowed);
    }
}
