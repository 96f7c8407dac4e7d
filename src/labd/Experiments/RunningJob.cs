namespace Labd.Experiments;

/// <summary>A running experiment and the GPUs it holds.</summary>
internal sealed record RunningJob(long Id, string Lab, string Submitter, IReadOnlyList<int> GpuIds);
