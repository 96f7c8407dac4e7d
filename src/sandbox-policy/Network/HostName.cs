using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Labd.SandboxPolicy;

/// <summary>
/// Host name canonicalization shared by rule parsing and the egress matcher (ESCAPE-SUITE N6).
/// Canonical form: lowercase ASCII LDH labels of 1–63 characters, not starting or ending with
/// '-', at most 253 characters, with a single trailing dot stripped. Anything else — NUL,
/// '@', '#', '%', ':', spaces, '*', underscores, non-ASCII (use the xn-- form), empty labels —
/// is malformed and never matches a rule.
/// </summary>
public static class HostName
{
    public const int MaxLength = 253;

    /// <summary>Null when <paramref name="input"/> is a well-formed name (then
    /// <paramref name="canonical"/> holds its canonical form); otherwise why it is malformed.</summary>
    public static string? TryCanonicalize(string? input, out string canonical)
    {
        canonical = "";
        if (string.IsNullOrEmpty(input))
        {
            return "empty host name";
        }

        if (input.Length > MaxLength + 1)
        {
            return $"longer than {MaxLength} characters";
        }

        var chars = new char[input.Length];
        for (var i = 0; i < input.Length; i++)
        {
            var c = input[i];
            if (c is >= 'A' and <= 'Z')
            {
                c = (char)(c + 32);
            }
            else if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '.'))
            {
                return DescribeBadChar(c);
            }

            chars[i] = c;
        }

        var text = new string(chars);
        if (text.EndsWith('.'))
        {
            text = text[..^1];
        }

        if (text.Length == 0)
        {
            return "empty host name";
        }

        if (text.Length > MaxLength)
        {
            return $"longer than {MaxLength} characters";
        }

        foreach (var label in text.Split('.'))
        {
            if (label.Length == 0)
            {
                return "empty label (two dots in a row, or a leading or second trailing dot)";
            }

            if (label.Length > 63)
            {
                return "a label is longer than 63 characters";
            }

            if (label[0] == '-' || label[^1] == '-')
            {
                return $"label '{label}' starts or ends with '-'";
            }
        }

        canonical = text;
        return null;
    }

    /// <summary>Whether a canonical name is really an IP address in some spelling
    /// (<c>127.1</c>, <c>2130706433</c>, <c>0x7f.0.0.1</c>): its last label is numeric.</summary>
    public static bool LooksLikeAddress(string canonical)
    {
        var last = canonical[(canonical.LastIndexOf('.') + 1)..];
        return last.All(char.IsAsciiDigit) || (last.StartsWith("0x", StringComparison.Ordinal) && last[2..].All(char.IsAsciiHexDigit));
    }

    /// <summary>Parses only unambiguous address literals: dotted-quad IPv4 without leading zeros,
    /// or IPv6 (optionally in brackets, no zone). v4-mapped IPv6 becomes IPv4.</summary>
    public static bool TryParseStrictAddress(string text, out IPAddress address)
    {
        address = IPAddress.None;
        if (text.StartsWith('[') && text.EndsWith(']'))
        {
            text = text[1..^1];
        }

        if (text.Contains(':', StringComparison.Ordinal))
        {
            if (text.Contains('%', StringComparison.Ordinal) || !IPAddress.TryParse(text, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return false;
            }

            address = Normalize(v6);
            return true;
        }

        var parts = text.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        var bytes = new byte[4];
        for (var i = 0; i < 4; i++)
        {
            var p = parts[i];
            if (p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit) || (p.Length > 1 && p[0] == '0'))
            {
                return false;
            }

            var value = int.Parse(p, System.Globalization.CultureInfo.InvariantCulture);
            if (value > 255)
            {
                return false;
            }

            bytes[i] = (byte)value;
        }

        address = new IPAddress(bytes);
        return true;
    }

    /// <summary>v4-mapped IPv6 addresses are treated as the IPv4 address they carry.</summary>
    public static IPAddress Normalize(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>A log-safe rendering of untrusted text: control and non-ASCII characters escaped, length capped.</summary>
    public static string Display(string? text)
    {
        if (text is null)
        {
            return "";
        }

        var sb = new StringBuilder();
        foreach (var c in text.Length > 80 ? text[..80] : text)
        {
            if (c < 0x20 || c == 0x7f)
            {
                sb.Append($"\\x{(int)c:x2}");
            }
            else if (c > 0x7f)
            {
                // Non-ASCII is escaped too: bidi overrides and lookalikes must not disguise a name in logs.
                sb.Append($"\\u{(int)c:x4}");
            }
            else
            {
                sb.Append(c);
            }
        }

        if (text.Length > 80)
        {
            sb.Append($"…({text.Length} chars)");
        }

        return sb.ToString();
    }

    private static string DescribeBadChar(char c) => c switch
    {
        '\0' => "contains a NUL byte",
        ' ' => "contains a space",
        '_' => "contains '_' (underscores are not valid in host names)",
        '*' => "contains '*' (wildcards belong in rules, not in names)",
        ':' => "contains ':' (a port or an IPv6 literal is not a host name)",
        '@' => "contains '@' (user info is not part of a host name)",
        < ' ' or '\x7f' => $"contains the control character 0x{(int)c:x2}",
        > '\x7f' => "contains non-ASCII characters (use the xn-- punycode form)",
        _ => $"contains '{c}'",
    };
}
