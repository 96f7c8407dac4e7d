using Labd.SandboxPolicy;

namespace Labd.Runs;

/// <summary>
/// Everything the supervisor needs to start one sandbox, written by labd to
/// <c>&lt;runDir&gt;/launch.json</c> (root-only) before the supervisor is spawned. The spec's
/// egress matcher is already compiled into netfilter rules; secret environment values are
/// read by the supervisor from their root-owned files, never written here.
/// </summary>
internal sealed record LaunchPlan(
    string RunId,
    string PolicyHash,
    SandboxUser User,
    IReadOnlyList<string> Command,
    string WorkingDirectory,
    IReadOnlyList<PlannedFile> Files,
    IReadOnlyList<string> DeviceNodes,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyDictionary<string, string> SecretFiles,
    string IPv4Rules,
    string IPv6Rules,
    long? TimeoutMilliseconds,
    long GraceMilliseconds,
    long LogBytes,
    int? Pids,
    long TmpBytes,
    string LabDirectory,
    string EmptyDirectory,
    string EmptyFile,
    string LeaseFile,
    SandboxWeakening Weakening)
{
    /// <summary>The spec's memory limit, enforced by the supervisor's cgroup leaf when labd has no systemd.</summary>
    public long? MemoryBytes { get; init; }

    /// <summary>A file inside the sandbox the target reads as its stdin (an agent's prompt, which
    /// then needs no argv); none when null.</summary>
    public string? StandardInput { get; init; }

    /// <summary>The spec's <c>limits.metrics</c> (or labd's default): how much of the metrics and
    /// progress files labd reads. Null in plans written before it was recorded.</summary>
    public long? MetricsBytes { get; init; }

    /// <summary>The leased GPU indices (host numbering), read back after a labd restart so the lease
    /// outlives labd as the run does (<see cref="Scheduler.GpuLeases"/>).</summary>
    public IReadOnlyList<int> Gpus { get; init; } = [];
}

/// <summary>One file rule of the spec, in the spec's order (parents before children).</summary>
internal sealed record PlannedFile(string Path, AccessMode Mode);
