namespace Labd.Store;

/// <summary>
/// The one in-process signal that events were committed. It carries no events: followers and
/// waiters read them from the events table, so a follower costs one pending task, never a buffer,
/// and a slow one falls behind in the database rather than in labd's memory.
/// </summary>
/// <remarks>
/// Take <see cref="Next"/> before reading, then await it only if the read found nothing new: a
/// commit after the read completes the task already taken, so no wake-up is lost.
/// </remarks>
internal sealed class EventFeed
{
    private TaskCompletionSource _next = NewSignal();

    /// <summary>Completes at the next <see cref="Notify"/>.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    /// <summary>Called after a commit that appended events.</summary>
    public void Notify() => Interlocked.Exchange(ref _next, NewSignal()).TrySetResult();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
