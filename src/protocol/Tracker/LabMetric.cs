namespace Labd.Protocol;

/// <summary>A metric a lab tracks and which way is better: <c>max</c> or <c>min</c>. The first of a lab's metrics is its primary one.</summary>
public sealed record LabMetric(string Name, string Direction)
{
    public const string Max = "max";
    public const string Min = "min";
}
