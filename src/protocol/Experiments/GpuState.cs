namespace Labd.Protocol;

/// <summary>One GPU as <c>GET /v1/gpus</c> reports it: <c>State</c> is free, leased (to the
/// experiment named, or to the run named: <c>labctl run --gpus</c>) or busy (used by a process labd
/// did not start). Whose lease it is shows only to those who may see that lab or run.</summary>
public sealed record GpuState(int Index, string State, long? ExperimentId, string? Experiment, string? Lab, string? Owner)
{
    /// <summary>The run holding the lease (an experiment's run, or a <c>labctl run</c>).</summary>
    public string? Run { get; init; }
}
