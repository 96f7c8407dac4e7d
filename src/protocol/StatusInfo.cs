namespace Labd.Protocol;

/// <summary>Answer of <c>GET /v1/status</c>.</summary>
public sealed record StatusInfo(
    string Version,
    DateTimeOffset StartedAt,
    double UptimeSeconds,
    string StateDir,
    string Socket,
    CallerInfo Caller,
    IReadOnlyDictionary<string, long> Counts,
    IReadOnlyList<GpuInfo> Gpus,
    SandboxReadiness Sandbox,
    PolicyStatus? Policies = null);

/// <summary>Who labd thinks the caller is.</summary>
public sealed record CallerInfo(string Kind, int Uid, string? UserName);

/// <summary>One GPU labd sees (a device node, or one named by the configuration).</summary>
public sealed record GpuInfo(int Index, string Device, bool Present);

/// <summary>Whether labd can start sandboxes, and what is missing if not.</summary>
public sealed record SandboxReadiness(bool Ready, IReadOnlyList<string> Problems);
