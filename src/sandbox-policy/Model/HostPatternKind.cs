namespace Labd.SandboxPolicy;

public enum HostPatternKind
{
    /// <summary>Exactly one canonical host name.</summary>
    Exact,

    /// <summary><c>*.suffix</c>: any depth of subdomain of the suffix, never the suffix itself.</summary>
    Subdomains,

    /// <summary><c>*</c>: every host name (never an IP literal).</summary>
    AnyHost,

    /// <summary>A CIDR block (or a single address) matched only by <see cref="IEgressMatcher.DecideAddress"/>.</summary>
    Network,
}
