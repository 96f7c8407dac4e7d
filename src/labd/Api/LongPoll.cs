using Labd.Protocol;

namespace Labd.Api;

/// <summary>
/// A long-poll (<c>exp wait</c>, <c>runs wait</c>) ends when labd starts stopping, with a
/// problem that says so: otherwise Kestrel holds the shutdown open for its whole timeout
/// waiting for a request that may not end for hours. What it waited for goes on.
/// </summary>
internal static class LongPoll
{
    public const string ShuttingDown = "labd is shutting down; the work goes on: wait again once labd is back";

    public static async Task<T> RunAsync<T>(HttpContext context, Func<CancellationToken, Task<T>> poll)
    {
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        try
        {
            return await poll(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            throw new LabdException(ErrorCode.Unavailable, ShuttingDown);
        }
    }
}
