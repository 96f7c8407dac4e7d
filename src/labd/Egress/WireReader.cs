using System.Buffers.Binary;

namespace Labd.Egress;

/// <summary>
/// A bounds-checked big-endian reader over a span. Every read either succeeds or returns
/// false without moving; parsers built on it never index past the end of their input.
/// </summary>
internal ref struct WireReader
{
    private readonly ReadOnlySpan<byte> _data;

    public WireReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        Position = 0;
    }

    public int Position { get; private set; }

    public readonly int Remaining => _data.Length - Position;

    public bool TryReadU8(out byte value)
    {
        value = 0;
        if (Remaining < 1)
        {
            return false;
        }

        value = _data[Position];
        Position += 1;
        return true;
    }

    public bool TryReadU16(out ushort value)
    {
        value = 0;
        if (Remaining < 2)
        {
            return false;
        }

        value = BinaryPrimitives.ReadUInt16BigEndian(_data.Slice(Position, 2));
        Position += 2;
        return true;
    }

    public bool TryReadU24(out int value)
    {
        value = 0;
        if (Remaining < 3)
        {
            return false;
        }

        value = (_data[Position] << 16) | (_data[Position + 1] << 8) | _data[Position + 2];
        Position += 3;
        return true;
    }

    public bool TryReadU32(out uint value)
    {
        value = 0;
        if (Remaining < 4)
        {
            return false;
        }

        value = BinaryPrimitives.ReadUInt32BigEndian(_data.Slice(Position, 4));
        Position += 4;
        return true;
    }

    public bool TryReadBytes(int count, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (count < 0 || Remaining < count)
        {
            return false;
        }

        value = _data.Slice(Position, count);
        Position += count;
        return true;
    }
}
