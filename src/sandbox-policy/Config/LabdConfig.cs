using System.Collections.Immutable;

namespace Labd.SandboxPolicy.Config;

/// <summary>
/// The daemon's own configuration (<c>/etc/labd/labd.yaml</c>). Every key is optional;
/// <see cref="Default"/> holds the embedded defaults. Command-line flags override it.
/// </summary>
public sealed record LabdConfig(
    string Socket,
    string StateDir,
    GroupsConfig Groups,
    GpusConfig Gpus,
    string PolicyDir)
{
    /// <summary>The egress proxy's resolver; see <see cref="EgressConfig"/>.</summary>
    public EgressConfig Egress { get; init; } = EgressConfig.Default;

    /// <summary>The sandbox user pool; see <see cref="SandboxConfig"/>.</summary>
    public SandboxConfig Sandbox { get; init; } = SandboxConfig.Default;

    /// <summary>Per-tenant quotas; see <see cref="LimitsConfig"/>.</summary>
    public LimitsConfig Limits { get; init; } = LimitsConfig.Default;

    /// <summary>Agent kinds by name; the file's entries replace the embedded ones of the same name
    /// (<see cref="AgentKindConfig.Defaults"/>) and add new ones.</summary>
    public System.Collections.Immutable.ImmutableDictionary<string, AgentKindConfig> Agents { get; init; } = AgentKindConfig.Defaults;

    public const string DefaultPath = "/etc/labd/labd.yaml";

    public static LabdConfig Default { get; } = new(
        Socket: "/run/labd/labd.sock",
        StateDir: "/var/lib/labd",
        Groups: GroupsConfig.Default,
        Gpus: GpusConfig.Default,
        PolicyDir: "/etc/labd/policies");

    /// <summary>Top-level keys, in the order the error message lists them.</summary>
    public static ImmutableArray<string> Keys { get; } = ["socket", "stateDir", "groups", "gpus", "policyDir", "egress", "sandbox", "limits", "agents"];
}
