namespace Labd.Store;

/// <summary>A row of the events table.</summary>
internal sealed record StoredEvent(long Id, DateTimeOffset At, Actor Actor, string Kind, string? Subject, string? DataJson);
