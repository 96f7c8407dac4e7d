using System.Net;

namespace Labd.SandboxPolicy.Tests;

public sealed class ShippedPolicyTests
{
    private static readonly PolicyVariables Vars = new("/srv/labs/demo", "/var/lib/labd/worktrees/a1", "/home/alice");

    private static PolicySet LoadShipped()
    {
        var result = PolicySet.LoadDirectory(TestPolicies.ShippedDirectory);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return result.Set;
    }

    [Fact]
    public void Every_shipped_policy_loads_without_errors_or_warnings()
    {
        var result = PolicySet.LoadDirectory(TestPolicies.ShippedDirectory);

        Assert.Empty(result.Diagnostics);
        Assert.Equal(["default", "gpu-research", "offline-eval", "strict"], result.Set!.Policies.Keys);
    }

    [Fact]
    public void Every_shipped_policy_caps_metrics_and_logs()
    {
        foreach (var policy in LoadShipped().Policies.Values)
        {
            var limits = PolicyCompiler.Compile(policy, Vars).Spec!.Limits;
            Assert.True(limits.MetricsBytes is >= 1L << 20 and <= 64L << 20, $"{policy.Name}: limits.metrics is {limits.MetricsBytes}");
            Assert.True(limits.LogBytes is > 0, $"{policy.Name}: no limits.log");
        }
    }

    [Fact]
    public void Every_shipped_policy_compiles_for_a_real_sandbox()
    {
        foreach (var policy in LoadShipped().Policies.Values)
        {
            var compiled = PolicyCompiler.Compile(policy, Vars);
            Assert.True(compiled.Success, policy.Name + ": " + string.Join("\n", compiled.Diagnostics));
        }
    }

    [Fact]
    public void Every_shipped_policy_compiles_for_a_plain_directory_that_is_both_lab_and_worktree()
    {
        var plain = new PolicyVariables("/srv/labs/demo", "/srv/labs/demo", "/home/alice");
        foreach (var policy in LoadShipped().Policies.Values)
        {
            var compiled = PolicyCompiler.Compile(policy, plain);

            Assert.True(compiled.Success, policy.Name + ": " + string.Join("\n", compiled.Diagnostics));
            Assert.Equal(AccessMode.ReadWrite, compiled.Spec.Files.Single(f => f.Path == "/srv/labs/demo").Mode);
            Assert.Equal(AccessMode.ReadOnly, compiled.Spec.Files.Single(f => f.Path == "/srv/labs/demo/.git").Mode);
            Assert.Equal(AccessMode.Hidden, compiled.Spec.Files.Single(f => f.Path == "/srv/labs/demo/.env").Mode);
        }
    }

    [Fact]
    public void Default_allows_registries_and_agent_apis_on_https_only_and_keeps_credentials_hidden()
    {
        var policy = LoadShipped().Find("default")!;

        Assert.True(policy.Egress.Decide("pypi.org", 443).Allowed);
        Assert.True(policy.Egress.Decide("files.pythonhosted.org", 443).Allowed);
        Assert.True(policy.Egress.Decide("api.anthropic.com", 443).Allowed);
        Assert.False(policy.Egress.Decide("github.com", 22).Allowed);
        Assert.False(policy.Egress.Decide("evil.test", 443).Allowed);
        Assert.False(policy.Egress.DecideAddress(IPAddress.Parse("169.254.169.254"), 80).Allowed);
        Assert.Equal(AccessMode.Hidden, PolicyExplain.Path(policy, "/home/alice/.ssh/id_ed25519", Vars).Mode);
        Assert.Equal(AccessMode.ReadWrite, PolicyExplain.Path(policy, "/var/lib/labd/worktrees/a1/train.py", Vars).Mode);
        Assert.Equal(AccessMode.ReadOnly, PolicyExplain.Path(policy, "/srv/labs/demo/.git/config", Vars).Mode);
        Assert.Equal(AccessMode.Hidden, PolicyExplain.Path(policy, "/var/lib/labd/labd.db", Vars).Mode);
        Assert.True(policy.AllowsAgent("claude"));
        Assert.False(policy.AllowsAgent("mystery"));
    }

    [Fact]
    public void Every_shipped_policy_runs_the_embedded_agent_kinds_and_agent_command()
    {
        foreach (var policy in LoadShipped().Policies.Values)
        {
            foreach (var kind in new[] { "claude", "codex", Config.AgentKindConfig.Custom })
            {
                Assert.True(policy.AllowsAgent(kind), $"{policy.Name} refuses agent kind {kind}");
            }
            Assert.False(policy.AllowsAgent("mystery"), $"{policy.Name} allows any agent kind");
        }
    }

    [Fact]
    public void Strict_has_no_network_and_no_gpu()
    {
        var policy = LoadShipped().Find("strict")!;

        Assert.Empty(policy.Egress.Ports);
        Assert.False(policy.Egress.Decide("pypi.org", 443).Allowed);
        Assert.False(policy.Egress.MayResolve("pypi.org"));
        Assert.Equal(0, policy.MaxGpus);
    }

    [Fact]
    public void Gpu_research_extends_default_with_eight_gpus_and_larger_limits()
    {
        var set = LoadShipped();
        var policy = set.Find("gpu-research")!;
        var parent = set.Find("default")!;

        Assert.Equal(["default", "gpu-research"], policy.Chain);
        Assert.Equal(8, policy.MaxGpus);
        Assert.True(policy.Limits.Memory!.Value > parent.Limits.Memory!.Value);
        Assert.True(policy.Limits.Timeout!.Value > parent.Limits.Timeout!.Value);
        Assert.True(policy.Egress.Decide("pypi.org", 443).Allowed);
        Assert.Contains(policy.Env, e => e.Name == "NCCL_DEBUG");
        Assert.Contains(policy.Env, e => e.Name == "LANG");
    }

    [Fact]
    public void Offline_eval_has_no_network_and_eval_data_read_only()
    {
        var policy = LoadShipped().Find("offline-eval")!;

        Assert.Empty(policy.Egress.Ports);
        Assert.Equal(AccessMode.ReadOnly, PolicyExplain.Path(policy, "/srv/labs/demo/eval/golden/score.py", Vars).Mode);
        Assert.Equal(AccessMode.ReadOnly, PolicyExplain.Path(policy, "/var/lib/labd/worktrees/a1/eval/score.py", Vars).Mode);
        Assert.Equal(AccessMode.ReadWrite, PolicyExplain.Path(policy, "/var/lib/labd/worktrees/a1/model.py", Vars).Mode);
    }
}
