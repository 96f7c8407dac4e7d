using System.Buffers;
using System.Net.Sockets;

namespace Labd.Egress;

/// <summary>
/// Copies bytes between the sandbox's connection and the upstream one with large pooled
/// buffers, directly on the sockets (no stream layers). An end-of-stream in one direction
/// is passed on as a half-close, so protocols that rely on it keep working.
/// </summary>
internal static class Splicer
{
    public static async Task SpliceAsync(Socket client, Socket upstream, int bufferSize, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var up = PumpAsync(client, upstream, long.MaxValue, bufferSize, halfClose: true, stop.Token);
        var down = PumpAsync(upstream, client, long.MaxValue, bufferSize, halfClose: true, stop.Token);
        var first = await Task.WhenAny(up, down).ConfigureAwait(false);
        if (first.IsFaulted || first.IsCanceled)
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(up, down).ConfigureAwait(false);
    }

    /// <summary>Copies up to <paramref name="limit"/> bytes; returns how many were copied.</summary>
    public static async Task<long> PumpAsync(Socket from, Socket to, long limit, int bufferSize, bool halfClose, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
        long copied = 0;
        try
        {
            while (copied < limit)
            {
                var want = (int)Math.Min(buffer.Length, limit - copied);
                var n = await from.ReceiveAsync(buffer.AsMemory(0, want), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                await SendAllAsync(to, buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                copied += n;
            }

            if (halfClose)
            {
                TryShutdownSend(to);
            }

            return copied;
        }
        catch (SocketException)
        {
            // A reset on either side ends this direction; the other one ends on its own.
            TryShutdownSend(to);
            return copied;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static async Task SendAllAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            var n = await socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            data = data[n..];
        }
    }

    public static void TryShutdownSend(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed: nothing left to signal.
        }
    }
}
