namespace Labd.Egress;

/// <summary>Limits of the egress proxy and resolver; the defaults suit production.</summary>
internal sealed record EgressOptions
{
    /// <summary>How long a client may take to send its ClientHello or request head.</summary>
    public TimeSpan PeekTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan ResolveTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Open proxied connections per sandbox; more are refused.</summary>
    public int MaxConnectionsPerSandbox { get; init; } = 512;

    /// <summary>Decisions kept in memory per run (all of them go to the JSONL file).</summary>
    public int RecentDecisions { get; init; } = 1024;

    /// <summary>Splice buffer per direction.</summary>
    public int BufferSize { get; init; } = 128 * 1024;
}
