namespace Labd.Protocol;

/// <summary>Body of <c>POST /v1/labs/{lab}/metrics</c>: add a metric or change its direction.</summary>
public sealed record LabMetricRequest(string Name, string Direction);
