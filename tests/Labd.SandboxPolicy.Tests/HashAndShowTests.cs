using System.Text;

namespace Labd.SandboxPolicy.Tests;

public sealed class HashAndShowTests
{
    [Fact]
    public void The_hash_ignores_comments_formatting_and_key_order()
    {
        var a = TestPolicies.Effective("# one\nfiles:\n  /data: ro\n  /cache: rw\ngpus: 1\n");
        var b = TestPolicies.Effective("gpus: 1\nfiles: {/cache: rw, '/data/': ro}   # two\n");

        Assert.Equal(a.Hash, b.Hash);
        Assert.Matches("^[0-9a-f]{64}$", a.Hash);
    }

    [Fact]
    public void The_hash_changes_when_the_effective_policy_changes()
    {
        var a = TestPolicies.Effective("files:\n  /data: ro\n");
        var b = TestPolicies.Effective("files:\n  /data: rw\n");

        Assert.NotEqual(a.Hash, b.Hash);
    }

    [Fact]
    public void The_hash_is_stable_across_loads_of_the_shipped_policies()
    {
        var first = PolicySet.LoadDirectory(TestPolicies.ShippedDirectory).Set!;
        var second = PolicySet.LoadDirectory(TestPolicies.ShippedDirectory).Set!;

        foreach (var (name, policy) in first.Policies)
        {
            Assert.Equal(policy.Hash, second.Policies[name].Hash);
        }
    }

    [Fact]
    public void Canonical_yaml_loads_back_into_the_same_policy()
    {
        foreach (var policy in PolicySet.LoadDirectory(TestPolicies.ShippedDirectory).Set!.Policies.Values)
        {
            var again = PolicySet.Load([new PolicySource(policy.Name, "shown.yaml", Encoding.UTF8.GetBytes(policy.CanonicalYaml))]);

            Assert.True(again.Success, string.Join("\n", again.Diagnostics) + "\n" + policy.CanonicalYaml);
            Assert.Equal(policy.Hash, again.Set.Policies[policy.Name].Hash);
        }
    }

    [Fact]
    public void Canonical_yaml_of_agent_kinds_with_their_own_argv_loads_back_into_the_same_policy()
    {
        var policy = TestPolicies.Effective("agents:\n  codex:\n    command: [codex, exec, '{prompt}', 'a \"quoted\" arg']\n    output: codex-json\n  claude:\n");
        var again = PolicySet.Load([new PolicySource(policy.Name, "shown.yaml", Encoding.UTF8.GetBytes(policy.CanonicalYaml))]);

        Assert.True(again.Success, string.Join("\n", again.Diagnostics) + "\n" + policy.CanonicalYaml);
        Assert.Equal(policy.Hash, again.Set.Policies[policy.Name].Hash);
        Assert.Equal(["codex", "exec", "{prompt}", "a \"quoted\" arg"], again.Set.Policies[policy.Name].AgentKinds["codex"].Command);
    }

    [Fact]
    public void Show_names_secrets_by_reference_only()
    {
        var policy = TestPolicies.Effective("env:\n  secrets: {OPENAI_API_KEY: /etc/labd/secrets/openai}\n");

        Assert.Contains("OPENAI_API_KEY: \"/etc/labd/secrets/openai\"", policy.CanonicalYaml, StringComparison.Ordinal);
    }

    [Fact]
    public void Show_of_an_extending_policy_contains_the_merged_rules()
    {
        var gpu = PolicySet.LoadDirectory(TestPolicies.ShippedDirectory).Set!.Find("gpu-research")!;

        Assert.Contains("\"api.anthropic.com:443\"", gpu.CanonicalYaml, StringComparison.Ordinal);
        Assert.Contains("gpus: 8", gpu.CanonicalYaml, StringComparison.Ordinal);
        Assert.DoesNotContain("extends", gpu.CanonicalYaml, StringComparison.Ordinal);
    }

    [Fact]
    public void Canonical_yaml_escapes_characters_yaml_could_read_as_line_breaks()
    {
        var policy = TestPolicies.Effective("env:\n  set: {A: \"x\\u2028y\\u0085z\\\"q\"}\n");

        var again = PolicySet.Load([new PolicySource("t", "shown.yaml", Encoding.UTF8.GetBytes(policy.CanonicalYaml))]);

        Assert.Equal("x\u2028y\u0085z\"q", again.Set!.Find("t")!.Env.Single().Value);
        Assert.Equal(policy.Hash, again.Set.Find("t")!.Hash);
    }
}
