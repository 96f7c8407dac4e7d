namespace Labd.Protocol;

/// <summary>The policy part of <c>GET /v1/status</c>.</summary>
public sealed record PolicyStatus(
    int Count,
    long Generation,
    string Source,
    bool Embedded,
    DateTimeOffset LoadedAt,
    DateTimeOffset? LastReloadAt,
    string? LastReloadResult);
