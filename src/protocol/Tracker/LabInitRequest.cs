namespace Labd.Protocol;

/// <summary>Body of <c>POST /v1/labs</c>: register the git repository at <c>Path</c> as a lab.</summary>
public sealed record LabInitRequest(string Path, string? Policy = null, string? Name = null, IReadOnlyList<LabMetric>? Metrics = null);
