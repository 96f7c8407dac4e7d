using System.Collections.Immutable;

namespace Labd.SandboxPolicy.Config;

/// <summary>
/// How the egress proxy resolves allowed names. <see cref="UpstreamDns"/> null means the
/// host's resolver (getaddrinfo); otherwise every query goes to that DNS server
/// (<c>egress: {upstreamDns: 198.51.100.53:53}</c>), e.g. a lab-internal resolver or a test bed.
/// </summary>
public sealed record EgressConfig(string? UpstreamDns)
{
    public static EgressConfig Default { get; } = new((string?)null);

    public static ImmutableArray<string> Keys { get; } = ["upstreamDns"];
}
