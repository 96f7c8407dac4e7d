namespace Labd.Experiments;

/// <summary>An experiment waiting for a start, as the scheduler sees it (queue order = <see cref="Id"/>).</summary>
internal sealed record QueuedJob(long Id, string Lab, string Submitter, int Gpus, int Priority);
