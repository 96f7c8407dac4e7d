namespace Labd.Egress;

/// <summary>
/// Finds where a chunked request body ends (RFC 9112 §7.1) while the bytes pass through
/// unchanged, so the proxy forwards exactly one request and nothing the client pipelined
/// after it. Strict: hex sizes of at most 15 digits, CRLF line ends, bounded lines.
/// </summary>
internal sealed class ChunkedBodyScanner
{
    internal const int MaxLineLength = 4096;

    private State _state = State.SizeLine;
    private long _remaining;
    private long _size;
    private int _lineLength;
    private bool _sawDigit;
    private bool _inExtension;
    private bool _lineHasContent;

    private enum State
    {
        SizeLine,
        SizeLineLf,
        Data,
        DataCr,
        DataLf,
        TrailerLine,
        TrailerLf,
        Done,
    }

    public bool IsDone => _state == State.Done;

    /// <summary>Consumes body bytes from <paramref name="data"/>; returns how many belong to the
    /// body (fewer than offered once the body ended). Throws <see cref="FormatException"/> on
    /// a malformed body.</summary>
    public int Scan(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (i < data.Length && _state != State.Done)
        {
            if (_state == State.Data)
            {
                var take = (int)Math.Min(_remaining, data.Length - i);
                i += take;
                _remaining -= take;
                if (_remaining == 0)
                {
                    _state = State.DataCr;
                }

                continue;
            }

            Step(data[i++]);
        }

        return i;
    }

    private void Step(byte b)
    {
        switch (_state)
        {
            case State.SizeLine:
                CountLine();
                if (b == '\r')
                {
                    Expect(_sawDigit, "missing chunk size");
                    _state = State.SizeLineLf;
                }
                else if (_inExtension)
                {
                    Expect(b is >= 0x20 and < 0x7f or (byte)'\t', "bad chunk extension");
                }
                else if (b == ';')
                {
                    Expect(_sawDigit, "missing chunk size");
                    _inExtension = true;
                }
                else
                {
                    var digit = HexValue(b);
                    Expect(digit >= 0 && _size < (1L << 56), "bad chunk size");
                    _size = (_size << 4) | (uint)digit;
                    _sawDigit = true;
                }

                break;
            case State.SizeLineLf:
                Expect(b == '\n', "bare CR in chunk size line");
                _remaining = _size;
                _state = _size == 0 ? State.TrailerLine : State.Data;
                (_size, _sawDigit, _inExtension, _lineLength) = (0, false, false, 0);
                break;
            case State.DataCr:
                Expect(b == '\r', "chunk data longer than its size");
                _state = State.DataLf;
                break;
            case State.DataLf:
                Expect(b == '\n', "bare CR after chunk data");
                _state = State.SizeLine;
                break;
            case State.TrailerLine:
                CountLine();
                if (b == '\r')
                {
                    _state = State.TrailerLf;
                }
                else
                {
                    Expect(b != '\n', "bare LF in trailer");
                    _lineHasContent = true;
                }

                break;
            case State.TrailerLf:
                Expect(b == '\n', "bare CR in trailer");
                _state = _lineHasContent ? State.TrailerLine : State.Done;
                (_lineHasContent, _lineLength) = (false, 0);
                break;
            default:
                throw new InvalidOperationException("unreachable");
        }
    }

    private void CountLine() => Expect(++_lineLength <= MaxLineLength, "chunk line too long");

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    private static void Expect(bool condition, string problem)
    {
        if (!condition)
        {
            throw new FormatException($"malformed chunked body: {problem}");
        }
    }
}
