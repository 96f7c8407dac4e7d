using System.Collections.Immutable;

namespace Labd.SandboxPolicy;

/// <summary>
/// One entry of <c>network.allow</c> or <c>network.deny</c>. <see cref="Ports"/> empty means
/// every port (only deny rules without a port); allow rules without a port get 80 and 443.
/// <see cref="Index"/> is the position in the list of the file that wrote it.
/// </summary>
public sealed record NetworkRule(
    NetworkRuleKind Kind,
    int Index,
    string Text,
    HostPattern Pattern,
    ImmutableArray<int> Ports,
    SourceLocation Origin)
{
    public bool AnyPort => Ports.IsDefaultOrEmpty;

    public bool AdmitsPort(int port) => AnyPort || Ports.Contains(port);

    /// <summary>"network.allow[2] '*.pypi.org' at default.yaml:12:7".</summary>
    public string Describe() =>
        $"network.{(Kind == NetworkRuleKind.Allow ? "allow" : "deny")}[{Index}] '{Text}' at {Origin}";

    /// <summary>The canonical text: pattern plus explicit ports.</summary>
    public string CanonicalText() => Pattern.Kind == HostPatternKind.Network && Pattern.Network is { } n
        && n.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !AnyPort
        ? $"[{Pattern}]:{string.Join(',', Ports)}"
        : AnyPort ? Pattern.ToString() : $"{Pattern}:{string.Join(',', Ports)}";
}
