using System.Collections.Immutable;
using Labd.SandboxPolicy.Yaml;

namespace Labd.SandboxPolicy;

/// <summary>Turns a YAML tree into a validated <see cref="PolicyFile"/>, reporting every problem.</summary>
internal sealed partial class PolicyReader(string name, string file, DiagnosticBag diagnostics)
{
    public static IReadOnlyList<string> TopLevelKeys { get; } = ["description", "extends", "network", "files", "gpus", "limits", "env", "agents"];

    private Setting<string>? _extends;
    private ImmutableArray<NetworkRule> _allow = [];
    private ImmutableArray<NetworkRule> _deny = [];
    private ImmutableArray<PathRule> _files = [];
    private Setting<int>? _gpus;
    private ImmutableArray<int> _gpuDevices = [];
    private PolicyLimits _limits = PolicyLimits.None;
    private ImmutableArray<EnvSetting> _env = [];
    private Setting<ImmutableArray<string>>? _agents;
    private ImmutableDictionary<string, AgentKindOverride> _agentKinds = ImmutableDictionary<string, AgentKindOverride>.Empty;

    public PolicyFile? Read(YamlNode? root)
    {
        if (root is YamlScalar { IsNull: true } || root is null)
        {
            root = new YamlMapping(new SourceLocation(file, 1, 1), []);
        }

        if (root is not YamlMapping top)
        {
            diagnostics.Error(DiagnosticCodes.WrongType, $"a policy must be a mapping of keys like 'network:' and 'files:', not {root.Describe()}", root.Location);
            return null;
        }

        foreach (var (key, value) in top.Entries)
        {
            switch (key.Value)
            {
                case "description":
                    _ = Scalar(value, "description");
                    break;
                case "extends":
                    ReadExtends(value);
                    break;
                case "network":
                    ReadNetwork(value);
                    break;
                case "files":
                    ReadFiles(value);
                    break;
                case "gpus":
                    ReadGpus(value);
                    break;
                case "limits":
                    ReadLimits(value);
                    break;
                case "env":
                    ReadEnv(value);
                    break;
                case "agents":
                    ReadAgents(value);
                    break;
                default:
                    UnknownKey(key, TopLevelKeys, "top level");
                    break;
            }
        }

        return new PolicyFile(name, file, _extends, _allow, _deny, _files, _gpus, _gpuDevices, _limits, _env, _agents) { AgentKinds = _agentKinds };
    }

    private void ReadExtends(YamlNode value)
    {
        if (Scalar(value, "extends") is not { IsNull: false } s)
        {
            return;
        }

        if (!PolicyNames.IsValid(s.Value))
        {
            diagnostics.Error(DiagnosticCodes.BadPolicyName, $"'{HostName.Display(s.Value)}' is not a policy name", s.Location, "name another file in the policy directory without '.yaml', like 'default'");
            return;
        }

        _extends = new Setting<string>(s.Value, s.Value, s.Location);
    }

    private void ReadAgents(YamlNode value)
    {
        if (value is YamlMapping kinds)
        {
            ReadAgentKinds(kinds);
            return;
        }

        if (Sequence(value, "agents") is not { } list)
        {
            return;
        }

        var names = new List<string>();
        foreach (var item in list.Items)
        {
            if (Scalar(item, "an agent name") is not { IsNull: false } s)
            {
                continue;
            }

            if (AgentName(s) && !names.Contains(s.Value))
            {
                names.Add(s.Value);
            }
        }

        _agents = new Setting<ImmutableArray<string>>([.. names], string.Join(", ", names), list.Location);
    }

    /// <summary>The mapping form: each key is an allowed kind; a value with a <c>command</c> is
    /// this policy's own argv for it.</summary>
    private void ReadAgentKinds(YamlMapping kinds)
    {
        var names = new List<string>();
        var overrides = ImmutableDictionary.CreateBuilder<string, AgentKindOverride>(StringComparer.Ordinal);
        foreach (var (key, entry) in kinds.Entries)
        {
            if (!AgentName(key))
            {
                continue;
            }

            names.Add(key.Value);
            var where = "agents." + key.Value;
            if (Mapping(entry, where) is not { Entries.Length: > 0 } body)
            {
                continue;
            }

            if (key.Value == Config.AgentKindConfig.Custom)
            {
                diagnostics.Error(DiagnosticCodes.BadAgentKind, $"'{Config.AgentKindConfig.Custom}' is the kind of --agent-command and takes no command here", key.Location, $"write '{Config.AgentKindConfig.Custom}: {{}}' to allow it, or give your command another kind name");
                continue;
            }

            ImmutableArray<string>? command = null;
            string? output = null;
            foreach (var (field, fieldValue) in body.Entries)
            {
                switch (field.Value)
                {
                    case "command":
                        if (Sequence(fieldValue, where + ".command") is not { } argv)
                        {
                            break;
                        }

                        var args = argv.Items.Select(a => Scalar(a, where + ".command[]")).ToList();
                        if (args.Any(a => a is null))
                        {
                            break;
                        }

                        if (args.Count == 0 || args[0]!.IsNull || args[0]!.Value.Length == 0)
                        {
                            diagnostics.Error(DiagnosticCodes.BadAgentKind, $"{where}.command must be a non-empty argv (no shell)", fieldValue.Location, "like [codex, exec, --json, \"{prompt}\"]");
                            break;
                        }

                        command = [.. args.Select(a => a!.Value)];
                        break;
                    case "output":
                        if (Scalar(fieldValue, where + ".output") is { } o)
                        {
                            if (Config.AgentKindConfig.Outputs.Contains(o.Value))
                            {
                                output = o.Value;
                            }
                            else
                            {
                                diagnostics.Error(DiagnosticCodes.BadAgentKind, $"{where}.output '{HostName.Display(o.Value)}' is not an output format", o.Location, $"one of: {string.Join(", ", Config.AgentKindConfig.Outputs)}");
                            }
                        }

                        break;
                    default:
                        UnknownKey(field, AgentKindOverride.Keys, where);
                        break;
                }
            }

            if (command is { } c)
            {
                overrides[key.Value] = new AgentKindOverride(c, output);
            }
            else if (!body.Entries.Any(e => e.Key.Value == "command"))
            {
                diagnostics.Error(DiagnosticCodes.BadAgentKind, $"{where} sets {string.Join(", ", body.Entries.Select(e => e.Key.Value))} but no command", body.Location, $"give its argv as command: [...], or write '{key.Value}: {{}}' to allow labd.yaml's {key.Value} unchanged");
            }
        }

        _agents = new Setting<ImmutableArray<string>>([.. names], string.Join(", ", names), kinds.Location);
        _agentKinds = overrides.ToImmutable();
    }

    private bool AgentName(YamlScalar s)
    {
        if (PolicyNames.IsValid(s.Value))
        {
            return true;
        }

        diagnostics.Error(DiagnosticCodes.BadAgentName, $"'{HostName.Display(s.Value)}' is not an agent name", s.Location, "use lowercase letters, digits, '.', '_' or '-', like 'claude' or 'codex'");
        return false;
    }

    private void UnknownKey(YamlScalar key, IEnumerable<string> known, string where)
    {
        var suggestion = Suggest.DidYouMean(key.Value, known) ?? $"known keys: {string.Join(", ", known)}";
        diagnostics.Error(DiagnosticCodes.UnknownKey, $"unknown key '{HostName.Display(key.Value)}' at {where}", key.Location, suggestion);
    }

    private YamlMapping? Mapping(YamlNode node, string what)
    {
        if (node is YamlMapping m)
        {
            return m;
        }

        if (node is YamlScalar { IsNull: true })
        {
            return new YamlMapping(node.Location, []);
        }

        diagnostics.Error(DiagnosticCodes.WrongType, $"'{what}' must be a mapping, not {node.Describe()}", node.Location);
        return null;
    }

    private YamlSequence? Sequence(YamlNode node, string what)
    {
        if (node is YamlSequence s)
        {
            return s;
        }

        if (node is YamlScalar { IsNull: true })
        {
            return new YamlSequence(node.Location, []);
        }

        diagnostics.Error(DiagnosticCodes.WrongType, $"'{what}' must be a list, not {node.Describe()}", node.Location, node is YamlScalar ? $"write it as a list: [{((YamlScalar)node).Value}]" : null);
        return null;
    }

    private YamlScalar? Scalar(YamlNode node, string what)
    {
        if (node is YamlScalar s)
        {
            return s;
        }

        diagnostics.Error(DiagnosticCodes.WrongType, $"{what} must be a single value, not {node.Describe()}", node.Location);
        return null;
    }
}
