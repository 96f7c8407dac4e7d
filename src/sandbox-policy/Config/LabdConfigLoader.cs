using System.Collections.Immutable;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Labd.SandboxPolicy.Config;

/// <summary>
/// Reads <c>labd.yaml</c> strictly: unknown keys and wrong shapes are errors naming
/// file:line:column and the valid keys, so a typo never silently falls back to a default.
/// </summary>
public static class LabdConfigLoader
{
    /// <summary>Loads <paramref name="path"/>; a missing file yields the defaults when <paramref name="mustExist"/> is false.</summary>
    public static LabdConfig Load(string path, bool mustExist)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (!mustExist && e is FileNotFoundException or DirectoryNotFoundException)
        {
            return LabdConfig.Default;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{path}: cannot read the configuration file: {e.Message}; pass an existing file with --config, or omit --config to use the built-in defaults", e);
        }
        return Parse(text, path);
    }

    /// <summary>Parses YAML text; <paramref name="fileName"/> is only used in error messages.</summary>
    public static LabdConfig Parse(string text, string fileName)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new ConfigException($"{fileName}:{e.Start.Line}:{e.Start.Column}: invalid YAML: {e.Message}", e);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return LabdConfig.Default;
        }
        var reader = new NodeReader(fileName);
        var root = reader.Mapping(stream.Documents[0].RootNode, "the top level");
        var config = LabdConfig.Default;
        foreach (var (key, value) in reader.Entries(root, LabdConfig.Keys, "the top level"))
        {
            config = key switch
            {
                "socket" => config with { Socket = reader.AbsolutePath(value, key) },
                "stateDir" => config with { StateDir = reader.AbsolutePath(value, key) },
                "policyDir" => config with { PolicyDir = reader.AbsolutePath(value, key) },
                "groups" => config with { Groups = ParseGroups(reader, value) },
                "egress" => config with { Egress = ParseEgress(reader, value) },
                "sandbox" => config with { Sandbox = ParseSandbox(reader, value) },
                "limits" => config with { Limits = ParseLimits(reader, value) },
                "agents" => config with { Agents = ParseAgents(reader, value) },
                _ => config with { Gpus = ParseGpus(reader, value) },
            };
        }
        return config;
    }

    private static GroupsConfig ParseGroups(NodeReader reader, YamlNode node)
    {
        var groups = GroupsConfig.Default;
        foreach (var (key, value) in reader.Entries(reader.Mapping(node, "groups"), GroupsConfig.Keys, "groups"))
        {
            var name = reader.Scalar(value, $"groups.{key}");
            groups = key == "users" ? groups with { Users = name } : groups with { Admins = name };
        }
        return groups;
    }

    private static EgressConfig ParseEgress(NodeReader reader, YamlNode node)
    {
        var egress = EgressConfig.Default;
        foreach (var (_, value) in reader.Entries(reader.Mapping(node, "egress"), EgressConfig.Keys, "egress"))
        {
            var text = reader.Scalar(value, "egress.upstreamDns");
            if (!System.Net.IPEndPoint.TryParse(text, out var endpoint) || endpoint.Port == 0)
            {
                throw reader.Error(value, $"egress.upstreamDns must be an IP address and port, e.g. 198.51.100.53:53 or [2001:db8::53]:53, got '{text}'");
            }
            egress = egress with { UpstreamDns = endpoint.ToString() };
        }
        return egress;
    }

    private static SandboxConfig ParseSandbox(NodeReader reader, YamlNode node)
    {
        var sandbox = SandboxConfig.Default;
        foreach (var (_, value) in reader.Entries(reader.Mapping(node, "sandbox"), SandboxConfig.Keys, "sandbox"))
        {
            var text = reader.Scalar(value, "sandbox.poolSize");
            if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var size) || size < 1 || size > SandboxConfig.MaxPoolSize)
            {
                throw reader.Error(value, $"sandbox.poolSize must be a whole number from 1 to {SandboxConfig.MaxPoolSize} (sandboxes alive at once), got '{text}'");
            }
            sandbox = sandbox with { PoolSize = size };
        }
        return sandbox;
    }

    private static LimitsConfig ParseLimits(NodeReader reader, YamlNode node)
    {
        var limits = LimitsConfig.Default;
        foreach (var (key, value) in reader.Entries(reader.Mapping(node, "limits"), LimitsConfig.Keys, "limits"))
        {
            var text = reader.Scalar(value, "limits." + key);
            if (key == "collectAfter")
            {
                var after = TimeSpan.Zero;
                if (text != "0" && !ValueParsers.TryParseDuration(text, out after))
                {
                    throw reader.Error(value, $"limits.collectAfter must be a duration like 14d, 12h or 90s (at most 30d; 0 collects nothing), got '{text}'");
                }
                limits = limits with { CollectAfter = after };
                continue;
            }
            if (key == "egressLogBytes")
            {
                var bytes = 0L;
                if (text != "0" && !ValueParsers.TryParseSize(text, out bytes))
                {
                    throw reader.Error(value, $"limits.egressLogBytes must be a size like 4M or 512K (0 turns the cap off), got '{text}'");
                }
                limits = limits with { EgressLogBytes = bytes };
                continue;
            }
            if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count) || count > 1_000_000 || (count == 0 && key.EndsWith("Burst", StringComparison.Ordinal)))
            {
                var least = key.EndsWith("Burst", StringComparison.Ordinal) ? "1" : "0 (off)";
                throw reader.Error(value, $"limits.{key} must be a whole number from {least} to 1000000, got '{text}'");
            }
            limits = key switch
            {
                "trackerWritesPerMinute" => limits with { TrackerWritesPerMinute = count },
                "trackerWriteBurst" => limits with { TrackerWriteBurst = count },
                "egressLogLinesPerSecond" => limits with { EgressLogLinesPerSecond = count },
                _ => limits with { EgressLogBurst = count },
            };
        }
        return limits;
    }

    private static ImmutableDictionary<string, AgentKindConfig> ParseAgents(NodeReader reader, YamlNode node)
    {
        var agents = AgentKindConfig.Defaults;
        foreach (var (nameNode, value) in reader.Mapping(node, "agents").Children)
        {
            var name = (nameNode as YamlScalarNode)?.Value ?? "";
            if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z][a-z0-9-]{0,31}$") || name == AgentKindConfig.Custom)
            {
                throw reader.Error(nameNode, $"agents: '{name}' is not a valid agent kind name; use lower-case letters, digits and '-', starting with a letter ('{AgentKindConfig.Custom}' is reserved for --agent-command)");
            }
            var where = "agents." + name;
            ImmutableArray<string>? command = null;
            var output = AgentKindConfig.Text;
            var credentials = ImmutableDictionary<string, string>.Empty;
            foreach (var (key, entry) in reader.Entries(reader.Mapping(value, where), AgentKindConfig.Keys, where))
            {
                switch (key)
                {
                    case "command":
                        if (entry is not YamlSequenceNode { Children.Count: > 0 } argv)
                        {
                            throw reader.Error(entry, $"{where}.command must be a non-empty list (an argv, no shell), e.g. [my-agent, --prompt, \"{{prompt}}\"]");
                        }
                        command = [.. argv.Children.Select(c => reader.Scalar(c, where + ".command[]"))];
                        break;
                    case "output":
                        output = reader.Scalar(entry, where + ".output");
                        if (!AgentKindConfig.Outputs.Contains(output))
                        {
                            throw reader.Error(entry, $"{where}.output must be one of {string.Join(", ", AgentKindConfig.Outputs)}, got '{output}'");
                        }
                        break;
                    default:
                        foreach (var (envNode, fileNode) in reader.Mapping(entry, where + ".credentials").Children)
                        {
                            var env = (envNode as YamlScalarNode)?.Value ?? "";
                            if (!System.Text.RegularExpressions.Regex.IsMatch(env, "^[A-Za-z_][A-Za-z0-9_]*$"))
                            {
                                throw reader.Error(envNode, $"{where}.credentials: '{env}' is not an environment variable name");
                            }
                            credentials = credentials.SetItem(env, reader.AbsolutePath(fileNode, $"{where}.credentials.{env}"));
                        }
                        break;
                }
            }
            if (command is null)
            {
                throw reader.Error(value, $"{where} needs a command: the argv of one turn, e.g. [my-agent, --prompt, \"{{prompt}}\"]");
            }
            agents = agents.SetItem(name, new AgentKindConfig(command.Value, output, credentials));
        }
        return agents;
    }

    private static GpusConfig ParseGpus(NodeReader reader, YamlNode node)
    {
        var gpus = GpusConfig.Default;
        var mapping = reader.Mapping(node, "gpus");
        foreach (var (key, value) in reader.Entries(mapping, GpusConfig.Keys, "gpus"))
        {
            if (key == "deviceDir")
            {
                gpus = gpus with { DeviceDir = reader.AbsolutePath(value, "gpus.deviceDir") };
                continue;
            }
            if (value is not YamlSequenceNode sequence)
            {
                throw reader.Error(value, "gpus.devices must be a list of device paths, e.g. [/dev/nvidia0, /dev/nvidia1]");
            }
            gpus = gpus with { Devices = [.. sequence.Children.Select(c => reader.AbsolutePath(c, "gpus.devices[]"))] };
        }
        if (!gpus.Devices.IsEmpty && mapping.Children.Keys.OfType<YamlScalarNode>().Any(k => k.Value == "deviceDir"))
        {
            throw reader.Error(mapping, "gpus: set either devices or deviceDir, not both");
        }
        return gpus;
    }

    private sealed class NodeReader(string fileName)
    {
        public ConfigException Error(YamlNode node, string message) =>
            new($"{fileName}:{node.Start.Line}:{node.Start.Column}: {message}");

        public YamlMappingNode Mapping(YamlNode node, string where) =>
            node as YamlMappingNode ?? throw Error(node, $"{where} must be a mapping of keys to values");

        public IEnumerable<(string Key, YamlNode Value)> Entries(YamlMappingNode mapping, ImmutableArray<string> valid, string where)
        {
            foreach (var (keyNode, value) in mapping.Children)
            {
                var key = (keyNode as YamlScalarNode)?.Value;
                if (key is null || !valid.Contains(key))
                {
                    throw Error(keyNode, $"unknown key '{key}' in {where}; valid keys are: {string.Join(", ", valid)}");
                }
                yield return (key, value);
            }
        }

        public string Scalar(YamlNode node, string key)
        {
            if (node is not YamlScalarNode { Value: { Length: > 0 } value })
            {
                throw Error(node, $"{key} must be a non-empty string");
            }
            return value;
        }

        public string AbsolutePath(YamlNode node, string key)
        {
            var value = Scalar(node, key);
            if (!Path.IsPathFullyQualified(value))
            {
                throw Error(node, $"{key} must be an absolute path, got '{value}'");
            }
            return value;
        }
    }
}
