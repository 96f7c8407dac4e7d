using System.Collections.Immutable;

namespace Labd.SandboxPolicy;

/// <summary>
/// The built-in file layout every sandbox starts from, shared by the runtime, the compiler and
/// <c>policy explain</c>: system paths read-only, host secrets and labd's own directories
/// hidden, a private <c>/tmp</c>, a minimal <c>/dev</c>, a private <c>/proc</c>; everything else
/// not mentioned by a rule is hidden.
/// </summary>
public static class BaseLayout
{
    public const string SystemPath = "system path";
    public const string HostSecret = "host secret";
    public const string LabdState = "labd's policy and state";

    /// <summary>Mounted as an empty private tmpfs (bwrap <c>--tmpfs</c>).</summary>
    public static ImmutableArray<string> PrivateTmpfs { get; } = ["/tmp"];

    /// <summary>A minimal device tree (bwrap <c>--dev</c>) plus the leased GPUs' nodes.</summary>
    public const string Dev = "/dev";

    /// <summary>A private procfs for the sandbox's pid namespace (bwrap <c>--proc</c>).</summary>
    public const string Proc = "/proc";

    /// <summary>Read-only system directories.</summary>
    public static ImmutableArray<string> SystemReadOnly { get; } = ["/usr", "/bin", "/sbin", "/lib", "/lib64", "/etc"];

    /// <summary>Host secrets hidden even though their parent is bound read-only.</summary>
    public static ImmutableArray<string> HiddenSecrets { get; } =
    [
        "/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-",
        "/etc/sudoers", "/etc/sudoers.d", "/etc/ssh", "/etc/ssl/private", "/etc/krb5.keytab",
    ];

    /// <summary>Always hidden, added last by the compiler, never overridable by a policy.</summary>
    public static ImmutableArray<FileRule> ProtectedRules { get; } =
        [.. PathText.Protected.Select(p => new FileRule(p, AccessMode.Hidden, LabdState, null))];

    /// <summary>The base rules a policy's own rules are laid over, in <see cref="PathOrder"/>.</summary>
    public static ImmutableArray<FileRule> Rules { get; } =
    [
        .. SystemReadOnly.Select(p => new FileRule(p, AccessMode.ReadOnly, SystemPath, null))
            .Concat(HiddenSecrets.Select(p => new FileRule(p, AccessMode.Hidden, HostSecret, null)))
            .Concat(ProtectedRules)
            .OrderBy(r => r.Path, PathOrder.Instance),
    ];
}
