namespace Labd.SandboxPolicy.Tests;

public sealed class ExtendsTests
{
    [Fact]
    public void A_child_inherits_and_overrides_its_parent_silently()
    {
        var result = TestPolicies.Set(
            ("base", "files:\n  /data: ro\n  /cache: rw\nnetwork:\n  allow: [a.test]\ngpus: 1\nlimits: {memory: 8G, pids: 100}\nenv:\n  set: {A: '1', B: '2'}\n"),
            ("child", "extends: base\nfiles:\n  /data: rw\nnetwork:\n  allow: [b.test]\nlimits: {memory: 16G}\nenv:\n  set: {A: x}\n"));

        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Empty(result.Diagnostics);
        var child = result.Set.Find("child")!;
        Assert.Equal(["base", "child"], child.Chain);
        Assert.Equal(AccessMode.ReadWrite, child.Files.Single(f => f.Path == "/data").Mode);
        Assert.Equal("child.yaml", child.Files.Single(f => f.Path == "/data").Origin.File);
        Assert.Equal(AccessMode.ReadWrite, child.Files.Single(f => f.Path == "/cache").Mode);
        Assert.True(child.Egress.Decide("a.test", 443).Allowed);
        Assert.True(child.Egress.Decide("b.test", 443).Allowed);
        Assert.Equal(1, child.MaxGpus);
        Assert.Equal(16L << 30, child.Limits.Memory!.Value);
        Assert.Equal(100, child.Limits.Pids!.Value);
        Assert.Equal("x", child.Env.Single(e => e.Name == "A").Value);
        Assert.Equal("2", child.Env.Single(e => e.Name == "B").Value);
    }

    [Fact]
    public void A_cycle_is_one_error_naming_the_cycle()
    {
        var result = TestPolicies.Set(("a", "extends: b\n"), ("b", "extends: c\n"), ("c", "extends: a\n"), ("ok", "gpus: 0\n"));

        Assert.False(result.Success);
        var d = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticCodes.ExtendsCycle, d.Code);
        Assert.Equal("extends cycle: a -> b -> c -> a", d.Message);
        Assert.Equal(new SourceLocation("c.yaml", 1, 10), d.Location);
    }

    [Fact]
    public void A_policy_extending_itself_is_a_cycle()
    {
        var d = Assert.Single(TestPolicies.Set(("a", "extends: a\n")).Diagnostics);

        Assert.Equal("a.yaml:1:10: error LP061: extends cycle: a -> a (remove 'extends' from one of these policies)", d.ToString());
    }

    [Fact]
    public void Extending_an_unknown_policy_suggests_the_closest_name()
    {
        var result = TestPolicies.Set(("default", "gpus: 0\n"), ("mine", "extends: defualt\n"));

        var d = Assert.Single(result.Diagnostics);
        Assert.Equal("mine.yaml:1:10: error LP060: extends 'defualt': no policy named 'defualt' (did you mean 'default'?)", d.ToString());
    }

    [Fact]
    public void Extending_a_policy_with_errors_says_so()
    {
        var result = TestPolicies.Set(("base", "gpus: lots\n"), ("child", "extends: base\n"));

        Assert.False(result.Success);
        Assert.Contains(result.Diagnostics, d => d.Code == DiagnosticCodes.BadGpus && d.Location.File == "base.yaml");
        Assert.Contains(result.Diagnostics, d => d.Message == "extends 'base', which has errors");
    }

    [Fact]
    public void Agents_are_replaced_by_the_child_and_unset_means_any_agent()
    {
        var result = TestPolicies.Set(("base", "agents: [claude, codex]\n"), ("child", "extends: base\nagents: [aider]\n"), ("open", "gpus: 0\n"));

        Assert.True(result.Set!.Find("child")!.AllowsAgent("aider"));
        Assert.False(result.Set.Find("child")!.AllowsAgent("claude"));
        Assert.True(result.Set.Find("open")!.AllowsAgent("anything"));
    }

    [Fact]
    public void The_mapping_form_allows_its_kinds_gives_some_their_own_argv_and_is_replaced_whole_by_a_child()
    {
        var result = TestPolicies.Set(
            ("base", "agents:\n  claude: {}\n  codex:\n    command: [codex, exec, --json, --model, small, '{prompt}']\n  bot:\n    command: [/opt/bot/run, '{promptFile}']\n    output: text\n"),
            ("child", "extends: base\nagents: [claude]\n"),
            ("heir", "extends: base\ngpus: 1\n"));
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var based = result.Set!.Find("base")!;

        Assert.True(based.AllowsAgent("claude") && based.AllowsAgent("codex") && based.AllowsAgent("bot"));
        Assert.False(based.AllowsAgent("aider"));
        Assert.False(based.AgentKinds.ContainsKey("claude"));
        Assert.Equal(["codex", "exec", "--json", "--model", "small", "{prompt}"], based.AgentKinds["codex"].Command);
        Assert.Null(based.AgentKinds["codex"].Output);
        Assert.Equal("text", based.AgentKinds["bot"].Output);
        Assert.Empty(result.Set.Find("child")!.AgentKinds);
        Assert.False(result.Set.Find("child")!.AllowsAgent("codex"));
        Assert.Equal(based.AgentKinds, result.Set.Find("heir")!.AgentKinds);
        // The canonical form shows the argv, so changing it changes the policy's hash.
        Assert.Contains("command: [\"codex\", \"exec\", \"--json\", \"--model\", \"small\", \"{prompt}\"]", based.CanonicalYaml, StringComparison.Ordinal);
        var changed = TestPolicies.Set(("base", "agents:\n  claude: {}\n  codex:\n    command: [codex, exec, --json, --model, large, '{prompt}']\n  bot:\n    command: [/opt/bot/run, '{promptFile}']\n    output: text\n"));
        Assert.NotEqual(based.Hash, changed.Set!.Find("base")!.Hash);
    }
}
