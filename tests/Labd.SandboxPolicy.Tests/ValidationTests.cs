namespace Labd.SandboxPolicy.Tests;

public sealed class ValidationTests
{
    [Fact]
    public void A_file_with_several_mistakes_reports_all_of_them_with_positions()
    {
        var result = TestPolicies.Parse("""
            netwrk:
              allow: [pypi.org]
            files:
              /data: rwx
              relative/path: ro
            gpus: -1
            """, "policies/x.yaml");

        Assert.Null(result.Policy);
        Assert.Equal(
            [
                "policies/x.yaml:1:1: error LP010: unknown key 'netwrk' at top level (did you mean 'network'?)",
                "policies/x.yaml:4:10: error LP012: unknown mode 'rwx'; use rw, ro or hidden (did you mean 'rw'?)",
                "policies/x.yaml:5:3: error LP013: path 'relative/path' is relative (paths must be absolute or start with ${LAB}, ${WORKTREE} or ${HOME})",
                "policies/x.yaml:6:7: error LP030: gpus must be a whole number from 0 to 64, not '-1' (write the most GPUs one run may lease, like 'gpus: 1')",
            ],
            TestPolicies.Lines(result));
    }

    [Fact]
    public void Unknown_mode_close_to_hidden_suggests_hidden()
    {
        var result = TestPolicies.Parse("files:\n  /data: hiden\n");

        var d = Assert.Single(result.Diagnostics);
        Assert.Equal("t.yaml:2:10: error LP012: unknown mode 'hiden'; use rw, ro or hidden (did you mean 'hidden'?)", d.ToString());
    }

    [Fact]
    public void The_same_path_twice_with_different_modes_in_one_file_is_an_error()
    {
        var result = TestPolicies.Parse("files:\n  ${LAB}/data: rw\n  $LAB/data/: ro\n");

        var d = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticCodes.PathConflict, d.Code);
        Assert.Equal(3, d.Location.Line);
        Assert.Contains("line 2", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_yaml_keys_are_errors_naming_the_first_definition()
    {
        var result = TestPolicies.Parse("gpus: 1\nlimits: {}\ngpus: 2\n");

        var d = Assert.Single(result.Diagnostics);
        Assert.Equal("t.yaml:3:1: error LP007: duplicate key 'gpus' (first defined at line 1) (keep one of them)", d.ToString());
    }

    [Theory]
    [InlineData("/proc/self: ro", DiagnosticCodes.ForbiddenPath)]
    [InlineData("/sys: ro", DiagnosticCodes.ForbiddenPath)]
    [InlineData("/etc/labd: ro", DiagnosticCodes.ProtectedPath)]
    [InlineData("/etc/labd/policies: rw", DiagnosticCodes.ProtectedPath)]
    [InlineData("/var/lib/labd/labd.db: ro", DiagnosticCodes.ProtectedPath)]
    [InlineData("/run/labd: ro", DiagnosticCodes.ProtectedPath)]
    [InlineData("~/.cache: rw", DiagnosticCodes.RelativePath)]
    [InlineData("data: rw", DiagnosticCodes.RelativePath)]
    [InlineData("/a/../etc/labd: ro", DiagnosticCodes.BadPath)]
    [InlineData("${LABS}/x: rw", DiagnosticCodes.UnknownVariable)]
    public void Dangerous_or_malformed_paths_are_errors(string rule, string code)
    {
        var result = TestPolicies.Parse("files:\n  " + rule + "\n");

        var d = Assert.Single(result.Diagnostics, x => x.IsError);
        Assert.Equal(code, d.Code);
        Assert.Equal(2, d.Location.Line);
        Assert.Equal(3, d.Location.Column);
    }

    [Fact]
    public void Unknown_variable_suggests_the_closest_known_one()
    {
        var d = Assert.Single(TestPolicies.Parse("files:\n  ${WORKTRE}/x: rw\n").Diagnostics);

        Assert.Equal("did you mean '${WORKTREE}'?", d.Suggestion);
    }

    [Theory]
    [InlineData("/: ro")]
    [InlineData("/etc: ro")]
    [InlineData("/var: rw")]
    public void Broad_parents_of_labd_state_are_legal_because_the_compiler_hides_labd_directories(string rule)
    {
        var policy = TestPolicies.Effective("files:\n  " + rule + "\n");

        var spec = PolicyCompiler.Compile(policy, PolicyVariables.None).Spec!;
        foreach (var state in new[] { "/etc/labd", "/var/lib/labd", "/run/labd" })
        {
            Assert.Equal(AccessMode.Hidden, PolicyExplain.Path(policy, state + "/x").Mode);
            Assert.Contains(spec.Files, f => f.Path == state && f.Mode == AccessMode.Hidden);
        }
    }

    [Theory]
    [InlineData("files:\n  /: rw\n")]
    [InlineData("files:\n  ${HOME}: rw\n")]
    [InlineData("files:\n  /home: rw\n")]
    [InlineData("network:\n  allow: ['*']\n")]
    [InlineData("network:\n  allow: ['*.com']\n")]
    public void Dangerous_but_legal_choices_are_warnings(string yaml)
    {
        var result = TestPolicies.Parse(yaml);

        Assert.NotNull(result.Policy);
        var d = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
    }

    [Theory]
    [InlineData("'*'")]
    [InlineData("'*.com'")]
    [InlineData("0.0.0.0/0")]
    public void Broad_deny_rules_are_not_warnings(string rule)
    {
        var result = TestPolicies.Parse($"network:\n  deny: [{rule}]\n");

        Assert.Empty(result.Diagnostics);
        Assert.NotNull(result.Policy);
    }

    [Fact]
    public void The_same_host_in_allow_and_deny_is_legal_with_a_warning_and_deny_wins()
    {
        var result = TestPolicies.Parse("network:\n  allow: [a.test]\n  deny: [a.test]\n");

        var d = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticCodes.AllowedAndDenied, d.Code);
        Assert.Equal(3, d.Location.Line);
        Assert.False(TestPolicies.Effective("network:\n  allow: [a.test]\n  deny: [a.test]\n").Egress.Decide("a.test", 443).Allowed);
    }

    [Theory]
    [InlineData("under_score.test", DiagnosticCodes.BadHostRule)]
    [InlineData("a..test", DiagnosticCodes.BadHostRule)]
    [InlineData("-a.test", DiagnosticCodes.BadHostRule)]
    [InlineData("a.*.test", DiagnosticCodes.BadHostRule)]
    [InlineData("a.test:0", DiagnosticCodes.BadPort)]
    [InlineData("a.test:99999", DiagnosticCodes.BadPort)]
    [InlineData("a.test:http", DiagnosticCodes.BadPort)]
    [InlineData("10.0.0.1/8", DiagnosticCodes.BadCidr)]
    [InlineData("10.0.0.0/33", DiagnosticCodes.BadCidr)]
    [InlineData("127.1", DiagnosticCodes.BadCidr)]
    [InlineData("0x7f.0.0.1", DiagnosticCodes.BadCidr)]
    [InlineData("[fd00::/8", DiagnosticCodes.BadHostRule)]
    public void Bad_hosts_ports_and_cidrs_are_errors_at_the_rule(string rule, string code)
    {
        var result = TestPolicies.Parse($"network:\n  allow:\n    - '{rule}'\n");

        var d = Assert.Single(result.Diagnostics, x => x.IsError);
        Assert.Equal(code, d.Code);
        Assert.Equal(3, d.Location.Line);
        Assert.Equal(7, d.Location.Column);
    }

    [Fact]
    public void A_cidr_with_host_bits_suggests_the_network_address()
    {
        var d = Assert.Single(TestPolicies.Parse("network:\n  allow: ['10.1.2.3/8:5432']\n").Diagnostics);

        Assert.Equal("did you mean '10.0.0.0/8'?", d.Suggestion);
    }

    [Theory]
    [InlineData("limits:\n  memory: 16Q\n", 2, 11)]
    [InlineData("limits:\n  cpus: -2\n", 2, 9)]
    [InlineData("limits:\n  pids: 0\n", 2, 9)]
    [InlineData("limits:\n  timeout: 90\n", 2, 12)]
    [InlineData("limits:\n  timeout: 400d\n", 2, 12)]
    [InlineData("limits:\n  log: lots\n", 2, 8)]
    [InlineData("limits:\n  metrics: lots\n", 2, 12)]
    [InlineData("limits:\n  metrics: 2G\n", 2, 12)]
    [InlineData("limits:\n  memroy: 1G\n", 2, 3)]
    public void Bad_limits_are_errors_with_positions(string yaml, int line, int column)
    {
        var d = Assert.Single(TestPolicies.Parse(yaml).Diagnostics);

        Assert.True(d.IsError);
        Assert.Equal((line, column), (d.Location.Line, d.Location.Column));
        Assert.NotNull(d.Suggestion);
    }

    [Fact]
    public void Limits_parse_sizes_cpus_and_durations()
    {
        var p = TestPolicies.Parse("limits: {memory: 16G, cpus: 2.5, pids: 100, timeout: 1h30m, log: 512M}\n").Policy!;

        Assert.Equal(16L << 30, p.Limits.Memory!.Value);
        Assert.Equal(2.5, p.Limits.Cpus!.Value);
        Assert.Equal(100, p.Limits.Pids!.Value);
        Assert.Equal(TimeSpan.FromMinutes(90), p.Limits.Timeout!.Value);
        Assert.Equal(512L << 20, p.Limits.Log!.Value);
    }

    [Fact]
    public void Limits_metrics_is_a_size_and_reaches_the_sandbox_spec()
    {
        var p = TestPolicies.Parse("limits: {metrics: 4M}\n").Policy!;

        Assert.Equal(4L << 20, p.Limits.Metrics!.Value);
        Assert.Equal(4L << 20, p.Limits.ToSandboxLimits().MetricsBytes);
        Assert.Null(TestPolicies.Parse("limits: {log: 4M}\n").Policy!.Limits.ToSandboxLimits().MetricsBytes);
    }

    [Theory]
    [InlineData("env:\n  set: {1BAD: x}\n", DiagnosticCodes.BadEnvName)]
    [InlineData("env:\n  secrets: {KEY: /home/alice/key}\n", DiagnosticCodes.BadSecretPath)]
    [InlineData("env:\n  secrets: {KEY: /etc/labd/secrets/../policies/x}\n", DiagnosticCodes.BadSecretPath)]
    [InlineData("env:\n  set: {A: x}\n  pass: [A]\n", DiagnosticCodes.EnvConflict)]
    [InlineData("env:\n  sett: {A: x}\n", DiagnosticCodes.UnknownKey)]
    [InlineData("agents: [Claude]\n", DiagnosticCodes.BadAgentName)]
    [InlineData("agents: claude\n", DiagnosticCodes.WrongType)]
    [InlineData("agents:\n  Codex: {}\n", DiagnosticCodes.BadAgentName)]
    [InlineData("agents:\n  codex: {output: codex-json}\n", DiagnosticCodes.BadAgentKind)]
    [InlineData("agents:\n  codex: {command: []}\n", DiagnosticCodes.BadAgentKind)]
    [InlineData("agents:\n  codex: {command: [codex], output: json}\n", DiagnosticCodes.BadAgentKind)]
    [InlineData("agents:\n  codex: {command: codex}\n", DiagnosticCodes.WrongType)]
    [InlineData("agents:\n  codex: {commands: [codex]}\n", DiagnosticCodes.UnknownKey)]
    [InlineData("agents:\n  custom: {command: [sh]}\n", DiagnosticCodes.BadAgentKind)]
    [InlineData("agents:\n  codex: [codex]\n", DiagnosticCodes.WrongType)]
    [InlineData("network: [a.test]\n", DiagnosticCodes.WrongType)]
    [InlineData("extends: ../default\n", DiagnosticCodes.BadPolicyName)]
    public void Env_agents_and_type_mistakes_are_errors(string yaml, string code)
    {
        var result = TestPolicies.Parse(yaml);

        Assert.Contains(result.Diagnostics, d => d.IsError && d.Code == code);
        Assert.Null(result.Policy);
    }

    [Fact]
    public void Passing_ld_preload_is_a_warning()
    {
        var d = Assert.Single(TestPolicies.Parse("env:\n  pass: [LD_PRELOAD]\n").Diagnostics);

        Assert.Equal(DiagnosticCodes.DangerousEnv, d.Code);
        Assert.False(d.IsError);
    }

    [Fact]
    public void Secrets_are_kept_by_reference()
    {
        var p = TestPolicies.Parse("env:\n  secrets: {OPENAI_API_KEY: /etc/labd/secrets/openai}\n").Policy!;

        var e = Assert.Single(p.Env);
        Assert.Equal(new EnvEntry("OPENAI_API_KEY", null, false, "/etc/labd/secrets/openai"), e.ToEnvEntry());
    }
}
