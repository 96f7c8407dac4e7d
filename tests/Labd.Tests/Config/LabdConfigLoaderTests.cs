using Labd.SandboxPolicy.Config;

namespace Labd.Tests.Config;

public sealed class LabdConfigLoaderTests
{
    [Fact]
    public void An_empty_file_yields_the_built_in_defaults()
    {
        var config = LabdConfigLoader.Parse("", "labd.yaml");

        Assert.Equal(LabdConfig.Default, config);
        Assert.Equal("/run/labd/labd.sock", config.Socket);
        Assert.Equal("labd", config.Groups.Users);
        Assert.Equal("labd-admin", config.Groups.Admins);
        Assert.Equal("/etc/labd/policies", config.PolicyDir);
    }

    [Fact]
    public void Every_key_is_read()
    {
        var config = LabdConfigLoader.Parse("""
            socket: /tmp/x.sock
            stateDir: /tmp/state
            policyDir: /tmp/policies
            groups: {users: lab-users, admins: lab-admins}
            gpus:
              devices: [/dev/nvidia2, /dev/nvidia5]
            """, "labd.yaml");

        Assert.Equal("/tmp/x.sock", config.Socket);
        Assert.Equal("/tmp/state", config.StateDir);
        Assert.Equal("/tmp/policies", config.PolicyDir);
        Assert.Equal(new GroupsConfig("lab-users", "lab-admins"), config.Groups);
        Assert.Equal(["/dev/nvidia2", "/dev/nvidia5"], config.Gpus.Devices);
    }

    [Fact]
    public void Egress_upstream_dns_is_an_address_and_port_and_defaults_to_the_host_resolver()
    {
        var config = LabdConfigLoader.Parse("egress:\n  upstreamDns: 198.51.100.53:53\n", "labd.yaml");

        Assert.Equal("198.51.100.53:53", config.Egress.UpstreamDns);
        Assert.Null(LabdConfig.Default.Egress.UpstreamDns);
    }

    [Fact]
    public void Limits_are_read_and_zero_turns_a_rate_or_the_size_cap_off()
    {
        var config = LabdConfigLoader.Parse("""
            limits:
              trackerWritesPerMinute: 0
              trackerWriteBurst: 5
              egressLogLinesPerSecond: 7
              egressLogBurst: 9
              egressLogBytes: 512K
              collectAfter: 3d
            """, "labd.yaml");

        Assert.Equal(new LimitsConfig(0, 5, 7, 9, 512 * 1024) { CollectAfter = TimeSpan.FromDays(3) }, config.Limits);
        Assert.Equal(TimeSpan.Zero, LabdConfigLoader.Parse("limits: {collectAfter: 0}\n", "labd.yaml").Limits.CollectAfter);
        Assert.Equal(TimeSpan.FromDays(14), LabdConfig.Default.Limits.CollectAfter);
        Assert.Equal(0, LabdConfigLoader.Parse("limits: {egressLogBytes: 0}\n", "labd.yaml").Limits.EgressLogBytes);
        Assert.Equal(new LimitsConfig(120, 60, 20, 200, 4L << 20), LabdConfig.Default.Limits);
    }

    [Theory]
    [InlineData("limits: {trackerWriteBurst: 0}", "limits.trackerWriteBurst must be a whole number from 1")]
    [InlineData("limits: {egressLogLinesPerSecond: -1}", "limits.egressLogLinesPerSecond must be a whole number from 0 (off)")]
    [InlineData("limits: {egressLogBytes: lots}", "limits.egressLogBytes must be a size like 4M")]
    [InlineData("limits: {trackerWrites: 5}", "unknown key 'trackerWrites' in limits")]
    [InlineData("limits: {collectAfter: forever}", "limits.collectAfter must be a duration like 14d")]
    public void Bad_limits_are_one_line_errors_naming_the_key_and_the_fix(string yaml, string message)
    {
        var e = Assert.Throws<ConfigException>(() => LabdConfigLoader.Parse(yaml, "labd.yaml"));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Sandbox_pool_size_is_read_and_defaults_to_eight()
    {
        Assert.Equal(16, LabdConfigLoader.Parse("sandbox:\n  poolSize: 16\n", "labd.yaml").Sandbox.PoolSize);
        Assert.Equal(8, LabdConfig.Default.Sandbox.PoolSize);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("257")]
    [InlineData("-1")]
    [InlineData("eight")]
    public void Sandbox_pool_size_out_of_range_is_an_error_naming_the_range(string value)
    {
        var e = Assert.Throws<ConfigException>(() => LabdConfigLoader.Parse($"sandbox:\n  poolSize: {value}\n", "labd.yaml"));

        Assert.StartsWith("labd.yaml:2:13: sandbox.poolSize must be a whole number from 1 to 256", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Egress_upstream_dns_without_a_port_is_an_error_with_an_example()
    {
        var e = Assert.Throws<ConfigException>(() => LabdConfigLoader.Parse("egress:\n  upstreamDns: dns.example\n", "labd.yaml"));

        Assert.StartsWith("labd.yaml:2:16: egress.upstreamDns must be an IP address and port, e.g. 198.51.100.53:53", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_left_out_keep_their_defaults()
    {
        var config = LabdConfigLoader.Parse("groups:\n  users: lab-users\ngpus:\n  deviceDir: /tmp/fake-dev\n", "labd.yaml");

        Assert.Equal("labd-admin", config.Groups.Admins);
        Assert.Equal("/tmp/fake-dev", config.Gpus.DeviceDir);
        Assert.Empty(config.Gpus.Devices);
        Assert.Equal(LabdConfig.Default.StateDir, config.StateDir);
    }

    [Fact]
    public void An_unknown_top_level_key_names_file_line_column_and_the_valid_keys()
    {
        var e = Assert.Throws<ConfigException>(() => LabdConfigLoader.Parse("socket: /tmp/x.sock\nstatedir: /tmp/s\n", "/etc/labd/labd.yaml"));

        Assert.StartsWith("/etc/labd/labd.yaml:2:1: unknown key 'statedir'", e.Message, StringComparison.Ordinal);
        Assert.Contains("valid keys are: socket, stateDir, groups, gpus, policyDir, egress", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_nested_key_is_reported_at_its_position()
    {
        var e = Assert.Throws<ConfigException>(() => LabdConfigLoader.Parse("groups:\n  users: a\n  admin: b\n", "labd.yaml"));

        Assert.StartsWith("labd.yaml:3:3: unknown key 'admin' in groups; valid keys are: users, admins", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_relative_path_is_refused()
    {
        var e = Assert.Throws<ConfigException>(() => LabdConfigLoader.Parse("stateDir: var/lib/labd\n", "labd.yaml"));

        Assert.Contains("labd.yaml:1:11: stateDir must be an absolute path", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Devices_and_deviceDir_together_are_refused()
    {
        var e = Assert.Throws<ConfigException>(() => LabdConfigLoader.Parse("gpus:\n  devices: [/dev/nvidia0]\n  deviceDir: /dev\n", "labd.yaml"));

        Assert.Contains("either devices or deviceDir", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Broken_yaml_is_reported_with_its_position()
    {
        var e = Assert.Throws<ConfigException>(() => LabdConfigLoader.Parse("groups: {users: a\n", "labd.yaml"));

        Assert.Matches(@"^labd\.yaml:\d+:\d+: invalid YAML", e.Message);
    }

    [Fact]
    public void A_missing_default_file_yields_defaults_but_a_missing_explicit_file_is_an_error()
    {
        var missing = Path.Combine(Path.GetTempPath(), "labdt-" + Guid.NewGuid().ToString("N"), "labd.yaml");

        Assert.Equal(LabdConfig.Default, LabdConfigLoader.Load(missing, mustExist: false));
        var e = Assert.Throws<ConfigException>(() => LabdConfigLoader.Load(missing, mustExist: true));
        Assert.Contains("omit --config", e.Message, StringComparison.Ordinal);
    }
}
