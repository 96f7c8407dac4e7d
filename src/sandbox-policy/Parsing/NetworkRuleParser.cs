using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Labd.SandboxPolicy;

/// <summary>
/// Parses one rule text: <c>host</c>, <c>*.suffix</c>, <c>*</c>, <c>a.b.c.d[/prefix]</c>,
/// <c>[v6[/prefix]]</c> or bare <c>v6[/prefix]</c>, each with an optional <c>:port[,port…]</c>.
/// </summary>
internal static class NetworkRuleParser
{
    public static ImmutableArray<int> DefaultPorts { get; } = [80, 443];

    public static NetworkRule? Parse(NetworkRuleKind kind, int index, string text, SourceLocation at, DiagnosticBag diagnostics)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            diagnostics.Error(DiagnosticCodes.BadHostRule, "empty network rule", at, "write a host name like 'pypi.org' or a CIDR like '10.0.0.0/8:5432'");
            return null;
        }

        if (!SplitPort(text, out var hostPart, out var portPart))
        {
            diagnostics.Error(DiagnosticCodes.BadHostRule, $"'{HostName.Display(text)}' has an unclosed '['", at, "write IPv6 rules as '[fd00::/8]:443'");
            return null;
        }

        var ports = ImmutableArray<int>.Empty;
        if (portPart is not null)
        {
            if (ParsePorts(portPart) is not { } parsed)
            {
                diagnostics.Error(DiagnosticCodes.BadPort, $"port '{HostName.Display(portPart)}' in '{HostName.Display(text)}' is not a number from 1 to 65535", at, "write 'host:443' or 'host:80,443'");
                return null;
            }

            ports = parsed;
        }
        else if (kind == NetworkRuleKind.Allow)
        {
            ports = DefaultPorts;
        }

        var pattern = ParsePattern(hostPart, text, at, kind == NetworkRuleKind.Allow ? diagnostics : new DiagnosticBag(), diagnostics);
        return pattern is null ? null : new NetworkRule(kind, index, text, pattern, ports, at);
    }

    private static bool SplitPort(string text, out string host, out string? port)
    {
        host = text;
        port = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            host = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length > 0)
            {
                port = rest.StartsWith(':') ? rest[1..] : rest;
            }

            return true;
        }

        if (text.Count(c => c == ':') == 1)
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            host = text[..colon];
            port = text[(colon + 1)..];
        }

        return true;
    }

    private static ImmutableArray<int>? ParsePorts(string text)
    {
        var ports = new SortedSet<int>();
        foreach (var part in text.Split(','))
        {
            if (part.Length is 0 or > 5 || !part.All(char.IsAsciiDigit))
            {
                return null;
            }

            var port = int.Parse(part, CultureInfo.InvariantCulture);
            if (port is < 1 or > 65535)
            {
                return null;
            }

            ports.Add(port);
        }

        return [.. ports];
    }

    // Breadth warnings go to `warnings`, which is discarded for deny rules: a broad deny is safe.
    private static HostPattern? ParsePattern(string host, string text, SourceLocation at, DiagnosticBag warnings, DiagnosticBag diagnostics)
    {
        if (host.Contains('/', StringComparison.Ordinal) || host.Contains(':', StringComparison.Ordinal)
            || (HostName.TryCanonicalize(host, out var maybeIp) is null && HostName.LooksLikeAddress(maybeIp)))
        {
            return ParseNetwork(host, text, at, warnings, diagnostics);
        }

        if (host == "*")
        {
            warnings.Warning(DiagnosticCodes.BroadWildcard, "'*' matches every host name", at, "list the hosts the sandbox needs");
            return new HostPattern(HostPatternKind.AnyHost, "*", null);
        }

        var wildcard = host.StartsWith("*.", StringComparison.Ordinal);
        var name = wildcard ? host[2..] : host;
        if (name.Contains('*', StringComparison.Ordinal))
        {
            diagnostics.Error(DiagnosticCodes.BadHostRule, $"'{HostName.Display(text)}': a wildcard is only allowed as a leading '*.'", at, "write '*.example.com' for every subdomain of example.com");
            return null;
        }

        if (HostName.TryCanonicalize(name, out var canonical) is { } problem)
        {
            diagnostics.Error(DiagnosticCodes.BadHostRule, $"'{HostName.Display(text)}' is not a valid host name: {problem}", at);
            return null;
        }

        if (HostName.LooksLikeAddress(canonical))
        {
            diagnostics.Error(DiagnosticCodes.BadHostRule, $"'{HostName.Display(text)}': a wildcard cannot cover IP addresses", at, "use a CIDR rule like '10.0.0.0/8:5432'");
            return null;
        }

        if (wildcard && !canonical.Contains('.', StringComparison.Ordinal))
        {
            warnings.Warning(DiagnosticCodes.BroadWildcard, $"'{text}' matches every host under a top-level domain", at, "name the registrable domain, like '*.example.com'");
        }

        return new HostPattern(wildcard ? HostPatternKind.Subdomains : HostPatternKind.Exact, canonical, null);
    }

    private static HostPattern? ParseNetwork(string host, string text, SourceLocation at, DiagnosticBag warnings, DiagnosticBag diagnostics)
    {
        var slash = host.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? host : host[..slash];
        var prefixText = slash < 0 ? null : host[(slash + 1)..];
        if (!HostName.TryParseStrictAddress(addressText, out var address) || (addressText.Contains(':', StringComparison.Ordinal) && HostName.Normalize(address).AddressFamily == AddressFamily.InterNetwork))
        {
            diagnostics.Error(DiagnosticCodes.BadCidr, $"'{HostName.Display(text)}' is not a valid address or CIDR", at, "write IPv4 as four decimal numbers ('10.0.0.0/8:5432') and IPv6 in brackets ('[fd00::/8]:443')");
            return null;
        }

        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = bits;
        if (prefixText is not null
            && (prefixText.Length is 0 or > 3 || !prefixText.All(char.IsAsciiDigit) || (prefix = int.Parse(prefixText, CultureInfo.InvariantCulture)) > bits))
        {
            diagnostics.Error(DiagnosticCodes.BadCidr, $"'{HostName.Display(text)}': prefix length must be 0 to {bits}", at);
            return null;
        }

        var masked = Mask(address, prefix);
        if (!masked.Equals(address))
        {
            diagnostics.Error(DiagnosticCodes.BadCidr, $"'{HostName.Display(text)}' has bits set past the /{prefix} prefix", at, $"did you mean '{masked}/{prefix}'?");
            return null;
        }

        if (prefix == 0)
        {
            warnings.Warning(DiagnosticCodes.BroadWildcard, $"'{text}' matches every address", at, "name the networks the sandbox needs");
        }

        return new HostPattern(HostPatternKind.Network, $"{masked}/{prefix}", new IPNetwork(masked, prefix));
    }

    private static IPAddress Mask(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xff << (8 - keep));
        }

        return new IPAddress(bytes);
    }
}
