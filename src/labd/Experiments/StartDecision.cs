namespace Labd.Experiments;

/// <summary>Start experiment <see cref="Id"/> on these host GPUs.</summary>
internal sealed record StartDecision(long Id, IReadOnlyList<int> GpuIds);
