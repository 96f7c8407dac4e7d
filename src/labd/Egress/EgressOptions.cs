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

    /// <summary>Decisions kept in memory per run.</summary>
    public int RecentDecisions { get; init; } = 1024;

    /// <summary>Decision lines a second a run may write to <c>egress.jsonl</c> and the journal (0: no limit).</summary>
    public int LogLinesPerSecond { get; init; } = Labd.SandboxPolicy.Config.LimitsConfig.Default.EgressLogLinesPerSecond;

    /// <summary>Lines a run may write at once before <see cref="LogLinesPerSecond"/> applies.</summary>
    public int LogBurst { get; init; } = Labd.SandboxPolicy.Config.LimitsConfig.Default.EgressLogBurst;

    /// <summary>Largest <c>egress.jsonl</c> of a run, in bytes (0: no cap).</summary>
    public long LogBytes { get; init; } = Labd.SandboxPolicy.Config.LimitsConfig.Default.EgressLogBytes;

    /// <summary>Splice buffer per direction.</summary>
    public int BufferSize { get; init; } = 128 * 1024;
}
