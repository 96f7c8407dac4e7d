using Labd.SandboxPolicy.Config;

namespace Labd.SandboxPolicy.Tests;

/// <summary>labd.yaml's <c>agents:</c> section: kinds replace or add to the embedded claude and codex.</summary>
public sealed class AgentKindConfigTests
{
    private static LabdConfig Parse(string yaml) => LabdConfigLoader.Parse(yaml, "labd.yaml");

    private static string Error(string yaml) => Assert.Throws<ConfigException>(() => Parse(yaml)).Message;

    [Fact]
    public void Without_an_agents_section_claude_and_codex_are_the_kinds()
    {
        var agents = Parse("socket: /tmp/x.sock\n").Agents;

        Assert.Equal(["claude", "codex"], agents.Keys.Order());
        Assert.Equal(AgentKindConfig.ClaudeStreamJson, agents["claude"].Output);
        Assert.Equal("claude", agents["claude"].Command[0]);
        Assert.Equal("/etc/labd/secrets/anthropic-api-key", agents["claude"].Credentials["ANTHROPIC_API_KEY"]);
        Assert.Equal(AgentKindConfig.CodexJson, agents["codex"].Output);
        Assert.Equal(["codex", "exec", "--json"], agents["codex"].Command.Take(3));
        Assert.Equal("/etc/labd/secrets/openai-api-key", agents["codex"].Credentials["OPENAI_API_KEY"]);
    }

    [Theory]
    [InlineData("claude")]
    [InlineData("codex")]
    public void The_embedded_kinds_read_the_prompt_on_stdin_so_it_is_on_no_command_line(string kind)
    {
        var command = AgentKindConfig.Defaults[kind].Command;

        Assert.DoesNotContain(command, a => a.Contains("{prompt}", StringComparison.Ordinal));
        Assert.DoesNotContain("--", command);
        // codex exec reads stdin only when its prompt argument is '-' or absent.
        Assert.Equal(kind == "codex" ? "-" : "{mcpConfig}", command[^1]);
    }

    [Fact]
    public void Claude_attaches_labds_mcp_tools_and_reports_cost_as_stream_json()
    {
        var command = AgentKindConfig.Defaults["claude"].Command;

        Assert.Equal("{mcpConfig}", command[command.IndexOf("--mcp-config") + 1]);
        Assert.Equal("stream-json", command[command.IndexOf("--output-format") + 1]);
        Assert.Contains("-p", command);
        Assert.Contains("--verbose", command);
    }

    [Fact]
    public void A_file_entry_replaces_an_embedded_kind_whole_and_leaves_the_other_alone()
    {
        var agents = Parse("""
            agents:
              claude:
                command: [claude, -p, --model, claude-opus-4-1, --, "{prompt}"]
            """).Agents;

        Assert.Equal(["claude", "-p", "--model", "claude-opus-4-1", "--", "{prompt}"], agents["claude"].Command);
        // Replaced, not merged: output falls back to text and the credentials to none.
        Assert.Equal(AgentKindConfig.Text, agents["claude"].Output);
        Assert.Empty(agents["claude"].Credentials);
        Assert.Same(AgentKindConfig.Defaults["codex"], agents["codex"]);
    }

    [Fact]
    public void A_new_kind_is_added_with_its_output_and_credentials()
    {
        var agents = Parse("""
            agents:
              aider-2:
                command: [aider, --yes-always, --message-file, "{promptFile}"]
                output: codex-json
                credentials:
                  OPENAI_API_KEY: /etc/labd/secrets/openai-api-key
                  EXTRA_TOKEN: /etc/labd/secrets/extra
            """).Agents;

        Assert.Equal(["aider-2", "claude", "codex"], agents.Keys.Order());
        var aider = agents["aider-2"];
        Assert.Equal(["aider", "--yes-always", "--message-file", "{promptFile}"], aider.Command);
        Assert.Equal(AgentKindConfig.CodexJson, aider.Output);
        Assert.Equal("/etc/labd/secrets/extra", aider.Credentials["EXTRA_TOKEN"]);
        Assert.Equal(2, aider.Credentials.Count);
    }

    [Fact]
    public void An_empty_agents_mapping_keeps_the_embedded_kinds()
    {
        Assert.Same(AgentKindConfig.Defaults, Parse("agents: {}\n").Agents);
    }

    [Theory]
    [InlineData("Claude")]
    [InlineData("custom")]
    [InlineData("1st")]
    [InlineData("my_agent")]
    [InlineData("a.b")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456")]
    [InlineData("\"\"")]
    public void A_bad_kind_name_is_an_error_at_the_name(string name)
    {
        var message = Error($"agents:\n  {name}:\n    command: [x]\n");

        Assert.StartsWith("labd.yaml:2:3: agents: '", message, StringComparison.Ordinal);
        Assert.Contains("is not a valid agent kind name", message, StringComparison.Ordinal);
        Assert.Contains("'custom' is reserved for --agent-command", message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_output_is_an_error_naming_the_valid_ones()
    {
        var message = Error("agents:\n  mine:\n    command: [x]\n    output: json\n");

        Assert.Equal("labd.yaml:4:13: agents.mine.output must be one of text, claude-stream-json, codex-json, got 'json'", message);
    }

    [Fact]
    public void A_relative_credential_path_is_an_error_at_the_path()
    {
        var message = Error("agents:\n  mine:\n    command: [x]\n    credentials:\n      API_KEY: secrets/key\n");

        Assert.Equal("labd.yaml:5:16: agents.mine.credentials.API_KEY must be an absolute path, got 'secrets/key'", message);
    }

    [Theory]
    [InlineData("1KEY")]
    [InlineData("MY-KEY")]
    [InlineData("\"A B\"")]
    public void A_credential_that_is_not_an_environment_variable_name_is_an_error(string variable)
    {
        var message = Error($"agents:\n  mine:\n    command: [x]\n    credentials:\n      {variable}: /etc/labd/secrets/k\n");

        Assert.StartsWith("labd.yaml:5:7: agents.mine.credentials: '", message, StringComparison.Ordinal);
        Assert.EndsWith("is not an environment variable name", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Credentials_must_be_a_mapping()
    {
        var message = Error("agents:\n  mine:\n    command: [x]\n    credentials: [/etc/labd/secrets/k]\n");

        Assert.StartsWith("labd.yaml:4:18: agents.mine.credentials must be a mapping", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_kind_without_a_command_is_an_error_at_the_kind()
    {
        var message = Error("agents:\n  mine:\n    output: text\n");

        Assert.StartsWith("labd.yaml:3:5: agents.mine needs a command: the argv of one turn", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"claude -p {prompt}\"")]
    [InlineData("{a: b}")]
    public void A_command_that_is_not_a_non_empty_list_is_an_error_with_an_example(string command)
    {
        var message = Error($"agents:\n  mine:\n    command: {command}\n");

        Assert.StartsWith("labd.yaml:3:14: agents.mine.command must be a non-empty list (an argv, no shell)", message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_argument_in_a_command_is_an_error_at_the_argument()
    {
        var message = Error("agents:\n  mine:\n    command: [x, \"\"]\n");

        Assert.Equal("labd.yaml:3:18: agents.mine.command[] must be a non-empty string", message);
    }

    [Fact]
    public void An_unknown_key_in_a_kind_names_the_valid_keys()
    {
        var message = Error("agents:\n  mine:\n    command: [x]\n    env: {A: b}\n");

        Assert.Equal("labd.yaml:4:5: unknown key 'env' in agents.mine; valid keys are: command, output, credentials", message);
    }

    [Fact]
    public void The_shipped_labd_yaml_documents_the_embedded_kinds_exactly()
    {
        // packaging/etc/labd.yaml shows the agents section commented out; uncommented it must
        // describe the embedded kinds, so the example never drifts from what labd runs.
        var shipped = File.ReadAllLines(Path.Combine(TestPolicies.RepoRoot, "packaging", "etc", "labd.yaml"));
        var section = shipped.SkipWhile(l => l != "#agents:").TakeWhile(l => l.StartsWith('#')).Select(l => l[1..])
            .Where(l => !l.TrimStart().StartsWith('#'));
        var agents = Parse(string.Join('\n', section) + "\n").Agents;

        Assert.Equal(AgentKindConfig.Defaults.Keys.Order(), agents.Keys.Order());
        foreach (var (name, kind) in AgentKindConfig.Defaults)
        {
            Assert.Equal(kind.Command, agents[name].Command);
            Assert.Equal(kind.Output, agents[name].Output);
            Assert.Equal(kind.Credentials.OrderBy(c => c.Key), agents[name].Credentials.OrderBy(c => c.Key));
        }
    }

    [Fact]
    public void Agents_must_be_a_mapping_of_kinds()
    {
        var message = Error("agents: [claude, codex]\n");

        Assert.StartsWith("labd.yaml:1:9: agents must be a mapping", message, StringComparison.Ordinal);
    }
}
