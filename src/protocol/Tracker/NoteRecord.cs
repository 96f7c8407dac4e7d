namespace Labd.Protocol;

/// <summary>One note in a lab's notebook.</summary>
public sealed record NoteRecord(long Id, int? Idea, long? Experiment, string Level, string Text, string Author, DateTimeOffset At);
