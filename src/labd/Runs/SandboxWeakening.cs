namespace Labd.Runs;

/// <summary>
/// Deliberate weakenings of the sandbox, used only by the negative-control arms of the escape
/// suite to prove that each oracle can see an escape. Nothing in labd's API sets these; a run
/// started with any of them writes a warning at the top of its log.
/// </summary>
[Flags]
internal enum SandboxWeakening
{
    None = 0,
    /// <summary>Target runs as uid 0 without <c>--cap-drop ALL</c>.</summary>
    RootWithCapabilities = 1 << 0,
    /// <summary>No <c>--unshare-user --disable-userns</c>: the target lives in rootlesskit's user namespace.</summary>
    NoNestedUserNamespace = 1 << 1,
    NoNewSession = 1 << 2,
    NoSeccomp = 1 << 3,
    /// <summary>The chain and the target inherit the supervisor's environment.</summary>
    InheritEnvironment = 1 << 4,
    NoNetworkRules = 1 << 5,
    NoDisableHostLoopback = 1 << 6,
    /// <summary>Bind sources by path string (follows symlinks) instead of pinned descriptors.</summary>
    PathStringBinds = 1 << 7,
    /// <summary>Descriptors the supervisor inherited are not marked close-on-exec.</summary>
    InheritDescriptors = 1 << 8,
    /// <summary>No <c>--die-with-parent</c> and no parent-death signal on the chain.</summary>
    NoDieWithParent = 1 << 9,
    /// <summary>No pid namespace.</summary>
    SharePidNamespace = 1 << 10,
    /// <summary>Directories between a rw rule and a protected rule below it are not pinned as
    /// mount points, so an ancestor can be renamed away (escape suite B4).</summary>
    NoAncestorPins = 1 << 11,
    /// <summary>No tmpfs sizes, no cgroup leaf, no RLIMIT_NPROC (escape suite P2).</summary>
    NoResourceLimits = 1 << 12,
    /// <summary>The supervisor does not kill what is left under the sandbox uid after the chain ends.</summary>
    NoUserSweep = 1 << 13,
    /// <summary>The target starts as soon as bwrap has set up, without <see cref="MountCheck"/>
    /// looking at where its binds landed (escape suite B6).</summary>
    NoMountCheck = 1 << 14,
    /// <summary>The target's argv travels on the launch chain's command lines (prlimit, setpriv,
    /// rootlesskit, the gates, bwrap), readable by every local user, instead of through a
    /// descriptor (issue 13).</summary>
    ArgvOnCommandLines = 1 << 15,
    /// <summary>The supervisor takes rootlesskit's child from <c>rk/child_pid</c> (a file the sandbox
    /// uid can write) instead of the kernel's view of its own rootlesskit's children (H13).</summary>
    TrustChildPidFile = 1 << 17,
    /// <summary>Pool uids are handed out and swept by real uid only, not effective, saved and
    /// filesystem uid and the gids too (H14).</summary>
    RealUidOnly = 1 << 18,
}
