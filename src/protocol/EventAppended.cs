namespace Labd.Protocol;

/// <summary>Answer of <c>POST /v1/events</c>, sent only after the event is durably committed.</summary>
public sealed record EventAppended(long Id, DateTimeOffset At);
