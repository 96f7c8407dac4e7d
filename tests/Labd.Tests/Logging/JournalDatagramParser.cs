using System.Buffers.Binary;
using System.Text;

namespace Labd.Tests.Logging;

/// <summary>An independent reader of journald's native protocol, for checking what the sink sends.</summary>
internal static class JournalDatagramParser
{
    public static List<(string Name, string Value)> Parse(ReadOnlySpan<byte> datagram)
    {
        var fields = new List<(string, string)>();
        while (!datagram.IsEmpty)
        {
            var newline = datagram.IndexOf((byte)'\n');
            var equals = datagram.IndexOf((byte)'=');
            if (equals >= 0 && equals < newline)
            {
                fields.Add((Encoding.ASCII.GetString(datagram[..equals]), Encoding.UTF8.GetString(datagram[(equals + 1)..newline])));
                datagram = datagram[(newline + 1)..];
                continue;
            }
            var name = Encoding.ASCII.GetString(datagram[..newline]);
            var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(datagram[(newline + 1)..]);
            var start = newline + 1 + 8;
            fields.Add((name, Encoding.UTF8.GetString(datagram.Slice(start, length))));
            if (datagram[start + length] != (byte)'\n')
            {
                throw new FormatException("binary field not terminated by a newline");
            }
            datagram = datagram[(start + length + 1)..];
        }
        return fields;
    }
}
