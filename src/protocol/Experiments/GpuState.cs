namespace Labd.Protocol;

/// <summary>One GPU as <c>GET /v1/gpus</c> reports it: <c>State</c> is free, leased (by the
/// experiment named) or busy (used by a process labd did not start).</summary>
public sealed record GpuState(int Index, string State, long? ExperimentId, string? Experiment, string? Lab, string? Owner);
