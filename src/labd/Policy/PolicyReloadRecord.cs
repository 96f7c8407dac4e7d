namespace Labd.Policy;

/// <summary>When the last policy reload happened and what came of it, for <c>GET /v1/status</c>.</summary>
internal sealed record PolicyReloadRecord(DateTimeOffset At, bool Succeeded, string Result);
