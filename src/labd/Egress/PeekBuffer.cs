using System.Net.Sockets;

namespace Labd.Egress;

/// <summary>
/// The bytes read from the sandbox before a decision: they are parsed, then replayed to the
/// upstream unchanged (TLS) or after the head was rewritten (HTTP).
/// </summary>
internal sealed class PeekBuffer(int capacity)
{
    private readonly byte[] _data = new byte[capacity];

    public int Count { get; private set; }

    public ReadOnlySpan<byte> Span => _data.AsSpan(0, Count);

    public ReadOnlyMemory<byte> Memory => _data.AsMemory(0, Count);

    public bool IsFull => Count == _data.Length;

    /// <summary>Reads what is available; false at end of stream or when full.</summary>
    public async Task<bool> ReadMoreAsync(Socket socket, CancellationToken cancellationToken)
    {
        if (IsFull)
        {
            return false;
        }

        var n = await socket.ReceiveAsync(_data.AsMemory(Count), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        Count += n;
        return n > 0;
    }

    /// <summary>Drops the first <paramref name="count"/> bytes (a CONNECT head already answered).</summary>
    public void Consume(int count)
    {
        _data.AsSpan(count, Count - count).CopyTo(_data);
        Count -= count;
    }
}
