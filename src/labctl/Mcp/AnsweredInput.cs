using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;

namespace Labctl.Mcp;

/// <summary>
/// Stands between the client's stdin/stdout and the MCP server so that end of input means "no
/// more requests", not "stop now": the server sees its input end only after it has answered (or
/// the client has cancelled) every request it read. The package's server ends, and drops the calls
/// in flight, as soon as its input ends, so <c>printf '...' | labctl mcp</c> printed nothing.
/// Messages are newline-delimited JSON (the MCP stdio transport); a line that is not a JSON object
/// is passed on untouched and not counted.
/// </summary>
internal sealed class AnsweredInput
{
    /// <summary>The longest a closed input waits for answers: the longest a tool may wait, and a minute more.</summary>
    internal static readonly TimeSpan MaxDrain = TimeSpan.FromSeconds(ExperimentTools.MaxWaitSeconds + 60);

    private readonly Stream _input;
    private readonly Pipe _pipe = new();
    private readonly HashSet<string> _pending = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _answered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _ended;

    public AnsweredInput(Stream input, Stream output)
    {
        _input = input;
        Input = _pipe.Reader.AsStream();
        Output = new AnswerCountingStream(output, this);
    }

    /// <summary>What the server reads: the client's lines, ending once every request is answered.</summary>
    public Stream Input { get; }

    /// <summary>What the server writes: the client's stdout, its answers counted on the way.</summary>
    public Stream Output { get; }

    /// <summary>Copies the client's input to <see cref="Input"/> until it ends, then waits for the answers.</summary>
    public async Task PumpAsync(CancellationToken cancellationToken)
    {
        var line = new ArrayBufferWriter<byte>();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await _input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                var chunk = buffer.AsMemory(0, read);
                int newline;
                while ((newline = chunk.Span.IndexOf((byte)'\n')) >= 0)
                {
                    line.Write(chunk.Span[..(newline + 1)]);
                    Read(line.WrittenSpan);
                    await _pipe.Writer.WriteAsync(line.WrittenMemory, cancellationToken).ConfigureAwait(false);
                    line.Clear();
                    chunk = chunk[(newline + 1)..];
                }
                line.Write(chunk.Span);
            }
            if (line.WrittenCount > 0)
            {
                Read(line.WrittenSpan);
                await _pipe.Writer.WriteAsync(line.WrittenMemory, cancellationToken).ConfigureAwait(false);
                await _pipe.Writer.WriteAsync("\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            }
            lock (_pending)
            {
                _ended = true;
                if (_pending.Count == 0)
                {
                    _answered.TrySetResult();
                }
            }
            await _answered.Task.WaitAsync(MaxDrain, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Answers that never came: end anyway rather than hang a client that has gone.
        }
        finally
        {
            await _pipe.Writer.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A client line: a request (method and id) is pending; a cancellation ends one.</summary>
    private void Read(ReadOnlySpan<byte> line)
    {
        if (Parse(line) is not { } message)
        {
            return;
        }
        lock (_pending)
        {
            if (message.Method is "notifications/cancelled" && message.CancelledId is { } cancelled)
            {
                Settle(cancelled);
            }
            else if (message.Method is not null && message.Id is { } id)
            {
                _pending.Add(id);
            }
        }
    }

    /// <summary>A server line: a response (an id, no method) settles its request.</summary>
    private void Wrote(ReadOnlySpan<byte> line)
    {
        if (Parse(line) is { Method: null, Id: { } id })
        {
            lock (_pending)
            {
                Settle(id);
            }
        }
    }

    private void Settle(string id)
    {
        if (_pending.Remove(id) && _ended && _pending.Count == 0)
        {
            _answered.TrySetResult();
        }
    }

    private static Message? Parse(ReadOnlySpan<byte> line)
    {
        try
        {
            using var document = JsonDocument.Parse(line.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
            var method = root.TryGetProperty("method", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            var id = root.TryGetProperty("id", out var i) && i.ValueKind is JsonValueKind.String or JsonValueKind.Number ? i.GetRawText() : null;
            var cancelled = root.TryGetProperty("params", out var p) && p.ValueKind == JsonValueKind.Object
                && p.TryGetProperty("requestId", out var r) && r.ValueKind is JsonValueKind.String or JsonValueKind.Number ? r.GetRawText() : null;
            return new Message(method, id, cancelled);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record Message(string? Method, string? Id, string? CancelledId);

    /// <summary>The server's output, passed through, with each complete line shown to <see cref="Wrote"/>.</summary>
    private sealed class AnswerCountingStream(Stream inner, AnsweredInput owner) : Stream
    {
        private readonly ArrayBufferWriter<byte> _line = new();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            Scan(buffer.AsSpan(offset, count));
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            // Counted once written: the client has the answer (after the server's flush) before input may end.
            Scan(buffer.Span);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }

        private void Scan(ReadOnlySpan<byte> bytes)
        {
            int newline;
            while ((newline = bytes.IndexOf((byte)'\n')) >= 0)
            {
                _line.Write(bytes[..newline]);
                owner.Wrote(_line.WrittenSpan);
                _line.Clear();
                bytes = bytes[(newline + 1)..];
            }
            _line.Write(bytes);
        }
    }
}
