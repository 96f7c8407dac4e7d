using System.Globalization;
using System.Text;

namespace Labd.Egress;

/// <summary>
/// A strict parser for one HTTP/1.x request head (RFC 9112). Strict on purpose: whatever two
/// implementations could read differently (bare LF, obs-fold, duplicate Host, Content-Length
/// together with Transfer-Encoding) is refused rather than interpreted, so the name the
/// policy saw is the name the origin server sees.
/// </summary>
internal static class HttpHeadParser
{
    public const int MaxHeadLength = 32 * 1024;

    public static bool LooksLikeHttp(ReadOnlySpan<byte> data) => data.Length > 0 && data[0] is >= (byte)'A' and <= (byte)'Z';

    public static HttpParseResult Parse(ReadOnlySpan<byte> data)
    {
        var end = data.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return data.Length >= MaxHeadLength ? HttpParseResult.Reject("request head too large") : HttpParseResult.Incomplete;
        }

        var headLength = end + 4;
        if (headLength > MaxHeadLength)
        {
            return HttpParseResult.Reject("request head too large");
        }

        var head = data[..end];
        foreach (var b in head)
        {
            if (b is (< 0x20 and not (byte)'\r' and not (byte)'\n' and not (byte)'\t') or >= 0x7f)
            {
                return HttpParseResult.Reject("request head contains control or non-ASCII bytes");
            }
        }

        var lines = Encoding.ASCII.GetString(head).Split("\r\n");
        if (lines.Any(l => l.Contains('\n', StringComparison.Ordinal) || l.Contains('\r', StringComparison.Ordinal)))
        {
            return HttpParseResult.Reject("bare CR or LF in request head");
        }

        var requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3 || requestLine[0].Length is 0 or > 16 || !requestLine[0].All(char.IsAsciiLetterUpper)
            || requestLine[1].Length == 0 || requestLine[2] is not ("HTTP/1.1" or "HTTP/1.0"))
        {
            return HttpParseResult.Reject("malformed request line");
        }

        var headers = new List<KeyValuePair<string, string>>(lines.Length - 1);
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i];
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !line.AsSpan(0, colon).ContainsOnlyTokenChars())
            {
                return HttpParseResult.Reject("malformed header line");
            }

            headers.Add(new(line[..colon], line[(colon + 1)..].Trim(' ', '\t')));
        }

        return Interpret(requestLine[0], requestLine[1], requestLine[2], headers, headLength);
    }

    private static HttpParseResult Interpret(string method, string target, string version, List<KeyValuePair<string, string>> headers, int headLength)
    {
        var hosts = Values(headers, "Host");
        if (hosts.Count > 1)
        {
            return HttpParseResult.Reject("several Host headers");
        }

        var lengths = Values(headers, "Content-Length").Distinct(StringComparer.Ordinal).ToList();
        var encodings = Values(headers, "Transfer-Encoding");
        if (lengths.Count > 1 || (lengths.Count == 1 && encodings.Count > 0))
        {
            return HttpParseResult.Reject("ambiguous request body length");
        }

        long contentLength = 0;
        if (lengths.Count == 1 && (lengths[0].Length is 0 or > 18 || !lengths[0].All(char.IsAsciiDigit)
            || !long.TryParse(lengths[0], NumberStyles.None, CultureInfo.InvariantCulture, out contentLength)))
        {
            return HttpParseResult.Reject("invalid Content-Length");
        }

        var chunked = encodings.Count > 0;
        if (chunked && (encodings.Count > 1 || !encodings[0].Equals("chunked", StringComparison.OrdinalIgnoreCase)))
        {
            return HttpParseResult.Reject("unsupported Transfer-Encoding");
        }

        string authority;
        var path = target;
        if (method == "CONNECT")
        {
            authority = target;
            path = "";
        }
        else if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            var rest = target["http://".Length..];
            var slash = rest.IndexOfAny(['/', '?', '#']);
            authority = slash < 0 ? rest : rest[..slash];
            path = slash < 0 ? "/" : rest[slash..];
            if (path[0] != '/')
            {
                path = "/" + path;
            }

            if (hosts.Count == 1 && !hosts[0].Equals(authority, StringComparison.OrdinalIgnoreCase))
            {
                return HttpParseResult.Reject("Host header differs from the request URI");
            }
        }
        else if (target[0] == '/' || (target == "*" && method == "OPTIONS"))
        {
            if (hosts.Count == 0)
            {
                return HttpParseResult.Reject("missing Host header");
            }

            authority = hosts[0];
        }
        else
        {
            return HttpParseResult.Reject("unsupported request target");
        }

        if (authority.Contains('@', StringComparison.Ordinal))
        {
            return HttpParseResult.Reject("user information in the authority");
        }

        if (!HostAuthority.TrySplit(authority, out var host, out var port) || (method == "CONNECT" && port is null))
        {
            return HttpParseResult.Reject("malformed authority");
        }

        return new HttpParseResult(
            new HttpRequestHead(method, target, version, host, port, path, headers, contentLength, chunked, headLength), null, false);
    }

    private static List<string> Values(List<KeyValuePair<string, string>> headers, string name) =>
        headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();

    private static bool ContainsOnlyTokenChars(this ReadOnlySpan<char> span)
    {
        foreach (var c in span)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return true;
    }
}
