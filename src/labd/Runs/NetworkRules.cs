using System.Globalization;
using System.Text;

namespace Labd.Runs;

/// <summary>
/// The netfilter rules labd installs (as host root, with iptables-restore via nsenter) in a
/// sandbox's network namespace before the target starts. Default policies DROP; loopback
/// allowed; DNS and the policy's TCP ports DNAT'ed to the sandbox's own egress listeners;
/// every other TCP connection reset; UDP, ICMP and the rest rejected; IPv6 dropped.
/// </summary>
internal static class NetworkRules
{
    public static string IPv4(EgressBinding binding, IEnumerable<int> policyPorts)
    {
        var proxy = binding.ProxyAddress.ToString();
        var inv = CultureInfo.InvariantCulture;
        var nat = new StringBuilder();
        var filter = new StringBuilder();
        nat.Append("*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n");
        nat.Append("-A OUTPUT -o lo -j RETURN\n");
        filter.Append("*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT DROP [0:0]\n");
        filter.Append("-A INPUT -i lo -j ACCEPT\n");
        filter.Append("-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n");
        filter.Append("-A OUTPUT -o lo -j ACCEPT\n");
        filter.Append("-A OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n");
        foreach (var proto in new[] { "udp", "tcp" })
        {
            nat.Append(inv, $"-A OUTPUT -p {proto} --dport 53 -j DNAT --to-destination {proxy}:{binding.DnsPort}\n");
            filter.Append(inv, $"-A OUTPUT -d {proxy}/32 -p {proto} --dport {binding.DnsPort} -m conntrack --ctstate DNAT -j ACCEPT\n");
        }
        foreach (var port in policyPorts.Distinct().Order())
        {
            if (port == 53 || !binding.PortMap.TryGetValue(port, out var hostPort))
            {
                continue;
            }
            nat.Append(inv, $"-A OUTPUT -p tcp --dport {port} -j DNAT --to-destination {proxy}:{hostPort}\n");
            filter.Append(inv, $"-A OUTPUT -d {proxy}/32 -p tcp --dport {hostPort} -m conntrack --ctstate DNAT -j ACCEPT\n");
        }
        filter.Append("-A OUTPUT -p tcp -j REJECT --reject-with tcp-reset\n");
        filter.Append("-A OUTPUT -j REJECT --reject-with icmp-admin-prohibited\n");
        nat.Append("COMMIT\n");
        filter.Append("COMMIT\n");
        return nat.Append(filter).ToString();
    }

    public static string IPv6() =>
        "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT DROP [0:0]\n" +
        "-A INPUT -i lo -j ACCEPT\n-A OUTPUT -o lo -j ACCEPT\n" +
        "-A OUTPUT -p tcp -j REJECT --reject-with tcp-reset\n" +
        "-A OUTPUT -j REJECT --reject-with icmp6-adm-prohibited\nCOMMIT\n";
}
