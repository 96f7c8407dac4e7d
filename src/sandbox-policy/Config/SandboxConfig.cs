using System.Collections.Immutable;

namespace Labd.SandboxPolicy.Config;

/// <summary>
/// The sandbox runtime: <see cref="PoolSize"/> is the number of unprivileged host users
/// (<c>labd-sbx-0..N-1</c>, each with its own subuid/subgid range), so the most sandboxes
/// (agents and experiments together) that can be alive at once.
/// </summary>
public sealed record SandboxConfig(int PoolSize)
{
    public const int MaxPoolSize = 256;

    public static SandboxConfig Default { get; } = new(8);

    public static ImmutableArray<string> Keys { get; } = ["poolSize"];
}
