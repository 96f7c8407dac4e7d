using System.Text;

namespace Labd.Egress;

/// <summary>
/// Extracts the SNI from the first TLS flight of a client (RFC 8446 §4.1.2, RFC 6066 §3).
/// The handshake message may be split over several TLS records and those over several
/// TCP segments: the caller keeps appending bytes and calls again while the result is
/// <see cref="ClientHelloStatus.Incomplete"/>. Anything unusual is rejected, never guessed:
/// the proxy only forwards what it could name.
/// </summary>
internal static class ClientHelloParser
{
    /// <summary>Largest ClientHello accepted (post-quantum key shares are ~1.5 KiB; 16 KiB is generous).</summary>
    public const int MaxHandshakeLength = 16 * 1024;

    internal const byte HandshakeRecord = 22;
    internal const byte ClientHelloType = 1;
    internal const int MaxRecordLength = 16 * 1024;
    internal const ushort ServerNameExtension = 0x0000;

    // RFC 9849 (TLS Encrypted Client Hello) and the older ESNI draft's code point.
    internal const ushort EncryptedClientHelloExtension = 0xfe0d;
    internal const ushort EncryptedServerNameDraftExtension = 0xffce;
    internal const int MaxServerNameLength = 253;

    public static bool LooksLikeTls(ReadOnlySpan<byte> data) => data.Length > 0 && data[0] == HandshakeRecord;

    public static ClientHelloResult Parse(ReadOnlySpan<byte> data)
    {
        var handshake = new byte[Math.Min(data.Length, MaxHandshakeLength + 4)];
        var filled = 0;
        var reader = new WireReader(data);
        while (true)
        {
            if (reader.Remaining < 5)
            {
                return ClientHelloResult.Incomplete;
            }

            reader.TryReadU8(out var type);
            reader.TryReadU8(out var major);
            reader.TryReadU8(out _);
            reader.TryReadU16(out var length);
            if (type != HandshakeRecord)
            {
                return ClientHelloResult.Reject(filled == 0 ? "not a TLS handshake" : "unexpected TLS record inside the ClientHello");
            }

            if (major != 3)
            {
                return ClientHelloResult.Reject("unsupported TLS record version");
            }

            if (length == 0 || length > MaxRecordLength)
            {
                return ClientHelloResult.Reject("invalid TLS record length");
            }

            if (!reader.TryReadBytes(length, out var fragment))
            {
                // Don't wait for a record that could never fit.
                return filled + length > MaxHandshakeLength + 4
                    ? ClientHelloResult.Reject("ClientHello too large")
                    : ClientHelloResult.Incomplete;
            }

            if (filled + fragment.Length > handshake.Length)
            {
                return ClientHelloResult.Reject("ClientHello too large");
            }

            fragment.CopyTo(handshake.AsSpan(filled));
            filled += fragment.Length;
            if (filled < 4)
            {
                continue;
            }

            if (handshake[0] != ClientHelloType)
            {
                return ClientHelloResult.Reject("first handshake message is not a ClientHello");
            }

            var bodyLength = (handshake[1] << 16) | (handshake[2] << 8) | handshake[3];
            if (bodyLength > MaxHandshakeLength)
            {
                return ClientHelloResult.Reject("ClientHello too large");
            }

            if (filled < 4 + bodyLength)
            {
                continue;
            }

            if (filled > 4 + bodyLength)
            {
                return ClientHelloResult.Reject("unexpected data after the ClientHello");
            }

            return ParseBody(handshake.AsSpan(4, bodyLength));
        }
    }

    private static ClientHelloResult ParseBody(ReadOnlySpan<byte> body)
    {
        var r = new WireReader(body);
        if (!r.TryReadU16(out var version) || version >> 8 != 3 || !r.TryReadBytes(32, out _))
        {
            return ClientHelloResult.Reject("malformed ClientHello");
        }

        if (!r.TryReadU8(out var sessionIdLength) || sessionIdLength > 32 || !r.TryReadBytes(sessionIdLength, out _))
        {
            return ClientHelloResult.Reject("malformed ClientHello session id");
        }

        if (!r.TryReadU16(out var suitesLength) || suitesLength < 2 || suitesLength % 2 != 0 || !r.TryReadBytes(suitesLength, out _))
        {
            return ClientHelloResult.Reject("malformed ClientHello cipher suites");
        }

        if (!r.TryReadU8(out var compressionLength) || compressionLength < 1 || !r.TryReadBytes(compressionLength, out _))
        {
            return ClientHelloResult.Reject("malformed ClientHello compression methods");
        }

        if (r.Remaining == 0)
        {
            return ClientHelloResult.Reject("missing SNI");
        }

        if (!r.TryReadU16(out var extensionsLength) || extensionsLength != r.Remaining)
        {
            return ClientHelloResult.Reject("malformed ClientHello extensions");
        }

        return ParseExtensions(body[r.Position..]);
    }

    private static ClientHelloResult ParseExtensions(ReadOnlySpan<byte> extensions)
    {
        var r = new WireReader(extensions);
        var seen = new HashSet<ushort>();
        string? serverName = null;
        string? serverNameError = null;
        var encrypted = false;
        while (r.Remaining > 0)
        {
            if (!r.TryReadU16(out var type) || !r.TryReadU16(out var length) || !r.TryReadBytes(length, out var data))
            {
                return ClientHelloResult.Reject("malformed ClientHello extension");
            }

            if (!seen.Add(type))
            {
                return ClientHelloResult.Reject("duplicate ClientHello extension");
            }

            if (type is EncryptedClientHelloExtension or EncryptedServerNameDraftExtension)
            {
                encrypted = true;
            }
            else if (type == ServerNameExtension)
            {
                serverNameError = ParseServerName(data, out serverName);
            }
        }

        if (encrypted)
        {
            return ClientHelloResult.Reject("ECH (encrypted ClientHello) hides the real server name");
        }

        if (serverNameError is not null)
        {
            return ClientHelloResult.Reject(serverNameError);
        }

        return serverName is null ? ClientHelloResult.Reject("missing SNI") : ClientHelloResult.Name(serverName);
    }

    /// <summary>Returns an error, or null with <paramref name="name"/> set.</summary>
    private static string? ParseServerName(ReadOnlySpan<byte> data, out string? name)
    {
        name = null;
        var r = new WireReader(data);
        if (!r.TryReadU16(out var listLength) || listLength != r.Remaining)
        {
            return "malformed SNI extension";
        }

        if (listLength == 0)
        {
            return "empty SNI";
        }

        var count = 0;
        ReadOnlySpan<byte> host = default;
        while (r.Remaining > 0)
        {
            if (!r.TryReadU8(out var nameType) || !r.TryReadU16(out var length) || !r.TryReadBytes(length, out var entry))
            {
                return "malformed SNI extension";
            }

            if (nameType != 0)
            {
                return "unknown SNI name type";
            }

            count++;
            host = entry;
        }

        if (count > 1)
        {
            return "SNI carries several server names";
        }

        if (host.IsEmpty)
        {
            return "empty SNI";
        }

        if (host.Length > MaxServerNameLength)
        {
            return "SNI longer than 253 bytes";
        }

        foreach (var b in host)
        {
            // Printable ASCII only: NUL, spaces, UTF-8 and control bytes are never a DNS name.
            if (b is < 0x21 or > 0x7e)
            {
                return "SNI contains bytes that are not printable ASCII";
            }
        }

        name = Encoding.ASCII.GetString(host);
        return null;
    }

    /// <summary>A fatal "access_denied" alert (RFC 8446 §6.2) so clients print why they were cut off.</summary>
    public static ReadOnlySpan<byte> AccessDeniedAlert => [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x31];
}
