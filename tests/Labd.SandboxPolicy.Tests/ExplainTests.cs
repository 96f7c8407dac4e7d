namespace Labd.SandboxPolicy.Tests;

public sealed class ExplainTests
{
    private static readonly EffectivePolicy Policy = PolicySet.Load(
        [new PolicySource("default", "policies/default.yaml", "network:\n  allow: ['*.pypi.org', github.com:443]\nfiles:\n  ${LAB}: rw\n  /home: hidden\n  /data: ro\n"u8.ToArray())]).Set!.Find("default")!;

    [Fact]
    public void A_path_under_a_policy_rule_names_the_rule_and_its_position()
    {
        var e = PolicyExplain.Path(Policy, "/home/alice/.ssh");

        Assert.Equal(AccessMode.Hidden, e.Mode);
        Assert.Equal("hidden by rule files['/home'] at policies/default.yaml:5:3", e.Reason);
    }

    [Fact]
    public void A_system_path_is_read_only_by_the_built_in_layout()
    {
        var e = PolicyExplain.Path(Policy, "/usr/bin/python3");

        Assert.Equal(AccessMode.ReadOnly, e.Mode);
        Assert.Equal("read-only: system path (built-in)", e.Reason);
    }

    [Theory]
    [InlineData("/etc/shadow", "hidden: host secret (built-in)")]
    [InlineData("/etc/labd/policies/default.yaml", "hidden: labd's policy and state (built-in)")]
    [InlineData("/srv/other", "hidden: not mentioned by any rule (default)")]
    [InlineData("/tmp/x", "read-write: private tmpfs, empty at start (built-in)")]
    [InlineData("/data/../etc/labd", "invalid path: '/data/../etc/labd' contains '.' or '..' (write the path without '.' or '..')")]
    public void Built_in_and_default_answers_say_so(string path, string reason) =>
        Assert.Equal(reason, PolicyExplain.Path(Policy, path).Reason);

    [Fact]
    public void Variables_are_expanded_when_given_and_matched_literally_when_not()
    {
        Assert.Equal(AccessMode.ReadWrite, PolicyExplain.Path(Policy, "/srv/lab/x", new PolicyVariables("/srv/lab", null, null)).Mode);
        Assert.Equal(AccessMode.ReadWrite, PolicyExplain.Path(Policy, "${LAB}/x").Mode);
    }

    [Theory]
    [InlineData("files.pypi.org", true, "allowed by network.allow[0] '*.pypi.org' at policies/default.yaml:2:11")]
    [InlineData("github.com:22", false, "denied: port 22 not allowed for 'github.com' (allowed: 443)")]
    [InlineData("pypi.org", false, "denied: no allow rule matches 'pypi.org'; closest allow '*.pypi.org' requires a subdomain")]
    [InlineData("github.com:http", false, "denied: invalid port 'http'")]
    [InlineData("[::1]:443", false, "denied: no CIDR rule allows ::1; host rules never match IP literals")]
    public void Host_explanations_use_the_proxy_matcher(string host, bool allowed, string reason)
    {
        var d = PolicyExplain.Host(Policy, host);

        Assert.Equal(allowed, d.Allowed);
        Assert.Equal(reason, d.Reason);
    }
}
