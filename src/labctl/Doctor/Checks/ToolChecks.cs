namespace Labctl.Doctor.Checks;

/// <summary>The programs labd runs sandboxes with, found on the search path.</summary>
internal static class ToolChecks
{
    private static readonly (string Program, string Package, CheckStatus IfMissing, string Purpose)[] Tools =
    [
        ("bwrap", "bubblewrap", CheckStatus.Fail, "builds every sandbox"),
        ("rootlesskit", "rootlesskit", CheckStatus.Fail, "gives each sandbox its own user and network namespace"),
        ("slirp4netns", "slirp4netns", CheckStatus.Fail, "connects a sandbox's network namespace to labd's proxy"),
        ("iptables", "iptables", CheckStatus.Fail, "installs each sandbox's egress rules"),
        ("nft", "nftables", CheckStatus.Warn, "backs iptables-nft"),
        ("newuidmap", "uidmap", CheckStatus.Fail, "maps a sandbox user's subordinate uids"),
        ("newgidmap", "uidmap", CheckStatus.Fail, "maps a sandbox user's subordinate gids"),
    ];

    public static IEnumerable<DoctorCheck> Run(HostProbe host)
    {
        foreach (var (program, package, ifMissing, purpose) in Tools)
        {
            var found = host.Which(program);
            yield return found is not null
                ? DoctorCheck.Ok(program, found)
                : new DoctorCheck(program, ifMissing, $"{program} not found on PATH ({purpose})", $"apt-get install -y {package}");
        }
    }
}
