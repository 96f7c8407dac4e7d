using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Labd.Egress;

/// <summary>
/// Splits <c>host[:port]</c> authorities and recognizes IP literals strictly. Names are
/// never rewritten: "ALLOWED.TEST", "allowed.test." or "127.1" go to the policy as sent.
/// </summary>
internal static class HostAuthority
{
    public static bool TrySplit(string authority, out string host, out int? port)
    {
        host = authority;
        port = null;
        if (authority.Length == 0)
        {
            return false;
        }

        if (authority[0] == '[')
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            host = authority[..(close + 1)];
            var rest = authority[(close + 1)..];
            if (rest.Length == 0)
            {
                return true;
            }

            return rest[0] == ':' && TryParsePort(rest[1..], out port);
        }

        var colon = authority.LastIndexOf(':');
        if (colon < 0)
        {
            return true;
        }

        var tail = authority[(colon + 1)..];
        if (!tail.All(char.IsAsciiDigit) || tail.Length == 0)
        {
            // Not a port ("allowed.test:443@evil.test"): the whole string is the "host", and the
            // policy will deny it rather than us guessing which part was meant.
            return true;
        }

        host = authority[..colon];
        return host.Length > 0 && TryParsePort(tail, out port);
    }

    private static bool TryParsePort(string text, out int? port)
    {
        port = null;
        if (text.Length is 0 or > 5 || !text.All(char.IsAsciiDigit))
        {
            return false;
        }

        var value = int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        if (value is < 1 or > 65535)
        {
            return false;
        }

        port = value;
        return true;
    }

    /// <summary>
    /// True for a canonical dotted-quad ("198.51.100.10") or a bracketed IPv6 literal.
    /// Shorthand forms that <see cref="IPAddress.TryParse(string, out IPAddress)"/> also
    /// accepts ("127.1", "2130706433", "0x7f.0.0.1") are not literals here: they go to the
    /// matcher as names, which denies them. IPv4-mapped IPv6 is reported as IPv4.
    /// </summary>
    public static bool TryParseLiteral(string host, out IPAddress address)
    {
        address = IPAddress.None;
        if (host.Length > 2 && host[0] == '[' && host[^1] == ']')
        {
            if (!IPAddress.TryParse(host.AsSpan(1, host.Length - 2), out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return false;
            }

            address = v6.IsIPv4MappedToIPv6 ? v6.MapToIPv4() : v6;
            return true;
        }

        var parts = host.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        foreach (var part in parts)
        {
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit) || (part.Length > 1 && part[0] == '0')
                || int.Parse(part, NumberStyles.None, CultureInfo.InvariantCulture) > 255)
            {
                return false;
            }
        }

        address = IPAddress.Parse(host);
        return true;
    }
}
