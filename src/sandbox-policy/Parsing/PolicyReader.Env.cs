using System.Collections.Immutable;
using Labd.SandboxPolicy.Yaml;

namespace Labd.SandboxPolicy;

internal sealed partial class PolicyReader
{
    private static readonly string[] EnvKeys = ["set", "pass", "secrets"];

    /// <summary>Variables that change how every program loads or starts; passing or setting them is legal but suspicious.</summary>
    private static readonly string[] RiskyEnv = ["LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "BASH_ENV", "ENV", "SSH_AUTH_SOCK", "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"];

    private void ReadEnv(YamlNode value)
    {
        if (Mapping(value, "env") is not { } env)
        {
            return;
        }

        var entries = ImmutableArray.CreateBuilder<EnvSetting>();
        var byName = new Dictionary<string, EnvSetting>(StringComparer.Ordinal);
        foreach (var (key, node) in env.Entries)
        {
            switch (key.Value)
            {
                case "set":
                    foreach (var (name, v) in Mapping(node, "env.set")?.Entries ?? [])
                    {
                        if (Scalar(v, $"env.set.{name.Value}") is { } s)
                        {
                            AddEnv(entries, byName, name, EnvKind.Set, s.IsNull ? "" : s.Value);
                        }
                    }

                    break;
                case "pass":
                    foreach (var item in Sequence(node, "env.pass")?.Items ?? [])
                    {
                        if (Scalar(item, "a variable name") is { IsNull: false } s)
                        {
                            AddEnv(entries, byName, s, EnvKind.Pass, null);
                        }
                    }

                    break;
                case "secrets":
                    foreach (var (name, v) in Mapping(node, "env.secrets")?.Entries ?? [])
                    {
                        if (Scalar(v, $"env.secrets.{name.Value}") is { } s && CheckSecretPath(s) is { } path)
                        {
                            AddEnv(entries, byName, name, EnvKind.Secret, path);
                        }
                    }

                    break;
                default:
                    UnknownKey(key, EnvKeys, "env");
                    break;
            }
        }

        _env = entries.ToImmutable();
    }

    private void AddEnv(ImmutableArray<EnvSetting>.Builder entries, Dictionary<string, EnvSetting> byName, YamlScalar name, EnvKind kind, string? value)
    {
        if (!IsEnvName(name.Value))
        {
            diagnostics.Error(DiagnosticCodes.BadEnvName, $"'{HostName.Display(name.Value)}' is not a variable name", name.Location, "use letters, digits and '_', not starting with a digit");
            return;
        }

        if (byName.TryGetValue(name.Value, out var first))
        {
            diagnostics.Error(DiagnosticCodes.EnvConflict, $"'{name.Value}' is already defined at line {first.Origin.Line}", name.Location, "define each variable once, in set, pass or secrets");
            return;
        }

        if (RiskyEnv.Contains(name.Value))
        {
            diagnostics.Warning(DiagnosticCodes.DangerousEnv, $"'{name.Value}' changes how programs load or reach the host", name.Location, "make sure the sandbox needs it");
        }

        var setting = new EnvSetting(name.Value, kind, value, name.Location);
        byName[name.Value] = setting;
        entries.Add(setting);
    }

    private string? CheckSecretPath(YamlScalar s)
    {
        const string Root = "/etc/labd/secrets";
        if (PathText.TryNormalize(s.Value, out var path, out _, out _) is not null || path.StartsWith('$') || !PathText.IsSameOrUnder(path, Root) || path == Root)
        {
            diagnostics.Error(DiagnosticCodes.BadSecretPath, $"secret '{HostName.Display(s.Value)}' must be a file under {Root}/", s.Location, $"store it as a root-owned file like {Root}/openai-key");
            return null;
        }

        return path;
    }

    private static bool IsEnvName(string name) =>
        name.Length is > 0 and <= 128 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
