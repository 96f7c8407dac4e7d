namespace Labd.SandboxPolicy;

/// <summary>The <c>limits:</c> section; a null member is not set by this policy.</summary>
public sealed record PolicyLimits(
    Setting<long>? Memory,
    Setting<double>? Cpus,
    Setting<int>? Pids,
    Setting<TimeSpan>? Timeout,
    Setting<long>? Log,
    Setting<long>? Metrics = null)
{
    public static PolicyLimits None { get; } = new(null, null, null, null, null);

    /// <summary>This policy's settings over <paramref name="parent"/>'s, member by member.</summary>
    public PolicyLimits Over(PolicyLimits parent) => new(
        Memory ?? parent.Memory,
        Cpus ?? parent.Cpus,
        Pids ?? parent.Pids,
        Timeout ?? parent.Timeout,
        Log ?? parent.Log,
        Metrics ?? parent.Metrics);

    public SandboxLimits ToSandboxLimits() =>
        new(Memory?.Value, Cpus?.Value, Pids?.Value, Timeout?.Value, Log?.Value, Metrics?.Value);
}
