namespace Labd.Protocol;

/// <summary>One loaded policy in <c>GET /v1/policies</c>: what <c>labctl policy ls</c> shows.</summary>
public sealed record PolicySummary(
    string Name,
    string Hash,
    IReadOnlyList<string> Chain,
    int AllowCount,
    int MaxGpus,
    string Source);
