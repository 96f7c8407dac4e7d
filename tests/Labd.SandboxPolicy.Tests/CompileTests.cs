namespace Labd.SandboxPolicy.Tests;

public sealed class CompileTests
{
    private static readonly PolicyVariables Vars = new("/srv/lab", "/srv/lab/.worktrees/a1", "/home/alice");

    [Fact]
    public void Binds_are_ordered_parents_first_then_ordinal_and_include_the_base_layout()
    {
        var policy = TestPolicies.Effective("""
            files:
              ${WORKTREE}: rw
              ${LAB}: ro
              ${LAB}/secrets: hidden
              /data-b: ro
              /data: ro
              /data/x: hidden
            """);

        var spec = PolicyCompiler.Compile(policy, Vars).Spec!;

        var paths = spec.Files.Select(f => f.Path).ToList();
        Assert.Equal(paths.Order(PathOrder.Instance), paths);
        Assert.True(paths.IndexOf("/data") < paths.IndexOf("/data/x"));
        Assert.True(paths.IndexOf("/data/x") < paths.IndexOf("/data-b"));
        Assert.True(paths.IndexOf("/srv/lab") < paths.IndexOf("/srv/lab/.worktrees/a1"));
        foreach (var rule in BaseLayout.Rules)
        {
            Assert.Contains(spec.Files, f => f.Path == rule.Path);
        }

        for (var i = 0; i < paths.Count; i++)
        {
            for (var j = i + 1; j < paths.Count; j++)
            {
                Assert.False(PathText.IsSameOrUnder(paths[i], paths[j]), $"{paths[i]} is under {paths[j]} but comes first");
            }
        }
    }

    [Fact]
    public void The_compiled_spec_carries_hash_gpus_limits_env_and_the_matcher()
    {
        var policy = TestPolicies.Effective("gpus: 2\nlimits: {timeout: 30m}\nenv:\n  set: {A: b}\n  pass: [TERM]\n  secrets: {K: /etc/labd/secrets/k}\nnetwork:\n  allow: [a.test]\n");

        var spec = PolicyCompiler.Compile(policy, Vars).Spec!;

        Assert.Equal("t", spec.PolicyName);
        Assert.Equal(policy.Hash, spec.PolicyHash);
        Assert.Equal(2, spec.MaxGpus);
        Assert.Equal(TimeSpan.FromMinutes(30), spec.Limits.Timeout);
        Assert.Null(spec.Limits.MemoryBytes);
        Assert.Equal(
            [new EnvEntry("A", "b", false, null), new EnvEntry("K", null, false, "/etc/labd/secrets/k"), new EnvEntry("TERM", null, true, null)],
            spec.Env);
        Assert.True(spec.Egress.Decide("a.test", 443).Allowed);
    }

    [Fact]
    public void A_policy_rule_overrides_the_base_layout_at_the_same_path_but_never_labd_state()
    {
        var policy = TestPolicies.Effective("files:\n  /etc: hidden\n  /var: rw\n");

        var spec = PolicyCompiler.Compile(policy, Vars).Spec!;

        Assert.Equal(AccessMode.Hidden, spec.Files.Single(f => f.Path == "/etc").Mode);
        Assert.Equal(AccessMode.Hidden, spec.Files.Single(f => f.Path == "/var/lib/labd").Mode);
    }

    [Fact]
    public void A_missing_variable_is_a_compile_error_at_the_rule()
    {
        var policy = TestPolicies.Effective("files:\n  ${WORKTREE}: rw\n");

        var result = PolicyCompiler.Compile(policy, new PolicyVariables("/srv/lab", null, "/home/a"));

        Assert.False(result.Success);
        var d = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticCodes.UnresolvedVariable, d.Code);
        Assert.Equal(2, d.Location.Line);
    }

    [Fact]
    public void Rules_meeting_only_through_variable_values_merge_and_the_innermost_variable_wins()
    {
        var policy = TestPolicies.Effective("files:\n  ${LAB}/data: ro\n  /srv/lab/data: hidden\n  ${WORKTREE}: rw\n  ${LAB}: ro\n  ${HOME}: hidden\n");

        var result = PolicyCompiler.Compile(policy, new PolicyVariables("/srv/lab", "/srv/lab", "/srv/lab"));

        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Equal(AccessMode.ReadOnly, result.Spec.Files.Single(f => f.Path == "/srv/lab/data").Mode);
        var tree = result.Spec.Files.Single(f => f.Path == "/srv/lab");
        Assert.Equal((AccessMode.ReadWrite, "files['${WORKTREE}']"), (tree.Mode, tree.RuleText));
    }

    [Fact]
    public void The_same_literal_path_with_two_modes_is_still_LP016_in_the_file()
    {
        var parsed = TestPolicies.Parse("files:\n  $LAB/x/: ro\n  ${LAB}/x: rw\n");

        Assert.Contains(parsed.Diagnostics, d => d.Code == DiagnosticCodes.PathConflict);
    }

    [Fact]
    public void A_variable_may_point_below_labd_state_but_not_at_it()
    {
        var policy = TestPolicies.Effective("files:\n  ${WORKTREE}: rw\n");

        Assert.True(PolicyCompiler.Compile(policy, Vars with { Worktree = "/var/lib/labd/worktrees/a1" }).Success);
        Assert.False(PolicyCompiler.Compile(policy, Vars with { Worktree = "/var/lib/labd" }).Success);
        Assert.False(PolicyCompiler.Compile(policy, Vars with { Worktree = "/proc/1/root" }).Success);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/var")]
    [InlineData("/etc")]
    [InlineData("/srv/../etc/labd")]
    [InlineData("relative/lab")]
    public void A_variable_value_that_would_expose_labd_state_or_escape_is_refused(string lab)
    {
        var policy = TestPolicies.Effective("files:\n  ${LAB}: ro\n");

        var result = PolicyCompiler.Compile(policy, Vars with { Lab = lab });

        Assert.False(result.Success);
        Assert.Equal(2, Assert.Single(result.Diagnostics).Location.Line);
    }
}
