namespace Labd.Protocol;

/// <summary><c>GET /v1/labs/{lab}/progress?metric=M</c>.</summary>
public sealed record Progress(string Metric, string Direction, IReadOnlyList<ProgressPoint> Points);
