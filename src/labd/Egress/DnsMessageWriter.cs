using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Labd.Egress;

/// <summary>Builds the few DNS messages labd sends: one-question queries and responses.</summary>
internal static class DnsMessageWriter
{
    internal const uint AnswerTtlSeconds = 30;
    internal const int MaxAnswers = 8;

    public static byte[] Query(ushort id, string name, ushort type)
    {
        var buffer = new List<byte>(32 + name.Length);
        AppendU16(buffer, id);
        AppendU16(buffer, 0x0100); // standard query, recursion desired
        AppendU16(buffer, 1);
        AppendU16(buffer, 0);
        AppendU16(buffer, 0);
        AppendU16(buffer, 0);
        foreach (var label in name.TrimEnd('.').Split('.'))
        {
            var bytes = Encoding.ASCII.GetBytes(label);
            if (bytes.Length is 0 or > 63)
            {
                throw new ArgumentException($"invalid DNS name '{name}'", nameof(name));
            }

            buffer.Add((byte)bytes.Length);
            buffer.AddRange(bytes);
        }

        buffer.Add(0);
        AppendU16(buffer, type);
        AppendU16(buffer, DnsRecordTypes.ClassIn);
        return [.. buffer];
    }

    /// <summary>A response echoing the question; answers use a pointer to it (offset 12).</summary>
    public static byte[] Response(ushort id, bool recursionDesired, byte[]? rawQuestion, byte rcode, IReadOnlyList<IPAddress> addresses)
    {
        var buffer = new List<byte>(512);
        AppendU16(buffer, id);
        AppendU16(buffer, (ushort)(0x8000 | (recursionDesired ? 0x0100 : 0) | 0x0080 | rcode));
        var answers = rawQuestion is null ? 0 : Math.Min(addresses.Count, MaxAnswers);
        AppendU16(buffer, (ushort)(rawQuestion is null ? 0 : 1));
        AppendU16(buffer, (ushort)answers);
        AppendU16(buffer, 0);
        AppendU16(buffer, 0);
        if (rawQuestion is not null)
        {
            buffer.AddRange(rawQuestion);
            var type = BinaryPrimitives.ReadUInt16BigEndian(rawQuestion.AsSpan(rawQuestion.Length - 4));
            for (var i = 0; i < answers; i++)
            {
                var data = addresses[i].GetAddressBytes();
                AppendU16(buffer, 0xc00c);
                AppendU16(buffer, type);
                AppendU16(buffer, DnsRecordTypes.ClassIn);
                AppendU16(buffer, (ushort)(AnswerTtlSeconds >> 16));
                AppendU16(buffer, (ushort)(AnswerTtlSeconds & 0xffff));
                AppendU16(buffer, (ushort)data.Length);
                buffer.AddRange(data);
            }
        }

        return [.. buffer];
    }

    private static void AppendU16(List<byte> buffer, ushort value)
    {
        buffer.Add((byte)(value >> 8));
        buffer.Add((byte)value);
    }
}
