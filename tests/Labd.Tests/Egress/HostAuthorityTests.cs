using System.Net;
using Labd.Egress;

namespace Labd.Tests.Egress;

public sealed class HostAuthorityTests
{
    [Theory]
    [InlineData("198.51.100.10", "198.51.100.10")]
    [InlineData("[2001:db8::66]", "2001:db8::66")]
    [InlineData("[::ffff:127.0.0.1]", "127.0.0.1")]
    public void Canonical_ip_literals_are_recognized_and_v4_mapped_ones_become_v4(string host, string expected)
    {
        Assert.True(HostAuthority.TryParseLiteral(host, out var address));
        Assert.Equal(IPAddress.Parse(expected), address);
    }

    [Theory]
    [InlineData("127.1")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("2130706433")]
    [InlineData("010.0.0.1")]
    [InlineData("127.0.0.256")]
    [InlineData("::1")]
    [InlineData("allowed.test")]
    public void N6_shorthand_ip_forms_are_not_literals_so_the_matcher_judges_them_as_names(string host) =>
        Assert.False(HostAuthority.TryParseLiteral(host, out _));

    [Theory]
    [InlineData("allowed.test:443", "allowed.test", 443)]
    [InlineData("allowed.test", "allowed.test", null)]
    [InlineData("[::1]:80", "[::1]", 80)]
    [InlineData("allowed.test:443@evil.test", "allowed.test:443@evil.test", null)]
    public void Authorities_split_into_host_and_port(string authority, string host, int? port)
    {
        Assert.True(HostAuthority.TrySplit(authority, out var h, out var p));
        Assert.Equal((host, port), (h, p));
    }
}
