using System.Net;
using System.Text;

namespace Labd.Egress;

/// <summary>
/// Bounds-checked DNS parsing. Queries must carry exactly one question whose name uses no
/// compression (clients never compress a lone question; refusing pointers rules out loops).
/// Responses from the upstream may compress; pointers must point backwards, which bounds
/// every walk.
/// </summary>
internal static class DnsMessageParser
{
    public const int MaxMessageLength = 4096;
    internal const int MaxNameLength = 255;

    /// <summary>The query's id when at least a header is present (so a REFUSED can be sent), else null.</summary>
    public static ushort? TryReadId(ReadOnlySpan<byte> message) =>
        message.Length >= 12 ? (ushort)((message[0] << 8) | message[1]) : null;

    /// <summary>Parses a query, or returns null with a reason.</summary>
    public static DnsQuestion? ParseQuery(ReadOnlySpan<byte> message, out string? error)
    {
        error = null;
        if (message.Length is < 12 or > MaxMessageLength)
        {
            error = "bad DNS message length";
            return null;
        }

        var r = new WireReader(message);
        r.TryReadU16(out var id);
        r.TryReadU16(out var flags);
        r.TryReadU16(out var questions);
        r.TryReadU16(out var answers);
        r.TryReadU16(out var authorities);
        r.TryReadU16(out _);
        if ((flags & 0x8000) != 0 || ((flags >> 11) & 0xf) != 0 || questions != 1 || answers != 0 || authorities != 0)
        {
            error = "not a standard query with one question";
            return null;
        }

        var start = r.Position;
        var name = new StringBuilder();
        var wireLength = 0;
        while (true)
        {
            if (!r.TryReadU8(out var length))
            {
                error = "truncated name";
                return null;
            }

            wireLength += 1 + length;
            if (wireLength > MaxNameLength)
            {
                error = "name too long";
                return null;
            }

            if (length == 0)
            {
                break;
            }

            if (length > 63)
            {
                error = (length & 0xc0) == 0xc0 ? "compressed question name" : "bad label length";
                return null;
            }

            if (!r.TryReadBytes(length, out var label))
            {
                error = "truncated name";
                return null;
            }

            foreach (var b in label)
            {
                // A dot inside a label or a non-printable byte would make the dotted name lie.
                if (b is < 0x21 or > 0x7e or (byte)'.')
                {
                    error = "invalid byte in a label";
                    return null;
                }
            }

            if (name.Length > 0)
            {
                name.Append('.');
            }

            name.Append(Encoding.ASCII.GetString(label));
        }

        if (!r.TryReadU16(out var type) || !r.TryReadU16(out var @class))
        {
            error = "truncated question";
            return null;
        }

        return new DnsQuestion(id, (flags & 0x0100) != 0, name.ToString(), type, @class, message[start..r.Position].ToArray());
    }

    /// <summary>Addresses of type <paramref name="type"/> in a response to query <paramref name="id"/>.
    /// Returns null for a malformed or mismatched response; <paramref name="rcode"/> is the response code.</summary>
    public static List<IPAddress>? ParseAddresses(ReadOnlySpan<byte> message, ushort id, ushort type, out int rcode)
    {
        rcode = -1;
        var r = new WireReader(message);
        if (!r.TryReadU16(out var responseId) || !r.TryReadU16(out var flags) || !r.TryReadU16(out var questions)
            || !r.TryReadU16(out var answers) || !r.TryReadU16(out _) || !r.TryReadU16(out _)
            || responseId != id || (flags & 0x8000) == 0)
        {
            return null;
        }

        rcode = flags & 0xf;
        for (var i = 0; i < questions; i++)
        {
            if (!SkipName(ref r) || !r.TryReadBytes(4, out _))
            {
                return null;
            }
        }

        var result = new List<IPAddress>();
        for (var i = 0; i < answers; i++)
        {
            if (!SkipName(ref r) || !r.TryReadU16(out var rrType) || !r.TryReadU16(out var rrClass)
                || !r.TryReadU32(out _) || !r.TryReadU16(out var length) || !r.TryReadBytes(length, out var data))
            {
                return null;
            }

            if (rrType == type && rrClass == DnsRecordTypes.ClassIn && data.Length == (type == DnsRecordTypes.A ? 4 : 16))
            {
                result.Add(new IPAddress(data));
            }
        }

        return result;
    }

    private static bool SkipName(ref WireReader r)
    {
        while (true)
        {
            var at = r.Position;
            if (!r.TryReadU8(out var length))
            {
                return false;
            }

            if (length == 0)
            {
                return true;
            }

            if ((length & 0xc0) == 0xc0)
            {
                // A pointer ends the name in place; only check it points backwards (no loops).
                return r.TryReadU8(out var low) && (((length & 0x3f) << 8) | low) < at;
            }

            if (length > 63 || !r.TryReadBytes(length, out _))
            {
                return false;
            }
        }
    }
}
