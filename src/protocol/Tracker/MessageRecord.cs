namespace Labd.Protocol;

/// <summary>One message on a lab's board. <c>Read</c>: whether the caller had read it before this answer.</summary>
public sealed record MessageRecord(long Id, string Sender, string Recipient, string Text, DateTimeOffset At, bool Read);
