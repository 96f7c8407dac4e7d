using System.Collections.Immutable;

namespace Labd.SandboxPolicy;

/// <summary>
/// A compiled policy, ready for the Runs component to execute: every path absolute and
/// variable-free, binds in a deterministic order (parents before children), the egress
/// matcher, limits and environment. Immutable: a running sandbox keeps the spec it
/// started with even when the admin reloads policies.
/// </summary>
public sealed record SandboxSpec(
    string PolicyName,
    string PolicyHash,
    ImmutableArray<FileRule> Files,
    IEgressMatcher Egress,
    int MaxGpus,
    SandboxLimits Limits,
    ImmutableArray<EnvEntry> Env)
{
    /// <summary>
    /// Host GPU indices this policy restricts leases to (<c>gpus: [1, 3]</c>); empty means any
    /// GPU. When not empty, <see cref="MaxGpus"/> equals its length. Added by the policy library.
    /// </summary>
    public ImmutableArray<int> GpuDevices { get; init; } = [];
}

/// <summary>What a sandbox may do with a path.</summary>
public enum AccessMode
{
    /// <summary>Bound read-write.</summary>
    ReadWrite,
    /// <summary>Bound read-only.</summary>
    ReadOnly,
    /// <summary>Does not exist inside (or is an empty placeholder when under a bound parent).</summary>
    Hidden,
}

/// <summary>Where a rule came from, for messages like "hidden by rule files['/home'] at default.yaml:14".</summary>
public sealed record SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>One resolved file rule. <see cref="Path"/> is absolute, normalized, without variables.</summary>
public sealed record FileRule(string Path, AccessMode Mode, string RuleText, SourceLocation? Origin);

/// <summary>
/// Resource limits; null means "not limited by this policy". Enforced by a transient
/// systemd unit under systemd; without it, at least timeout, log cap and pids.
/// </summary>
public sealed record SandboxLimits(
    long? MemoryBytes,
    double? Cpus,
    int? Pids,
    TimeSpan? Timeout,
    long? LogBytes,
    long? MetricsBytes = null);

/// <summary>
/// One environment variable for the target. Exactly one of <see cref="Value"/> (set),
/// <see cref="Passthrough"/> (copied from the caller's environment) or
/// <see cref="SecretFile"/> (read at launch from a root-owned file; never logged) is used.
/// </summary>
public sealed record EnvEntry(string Name, string? Value, bool Passthrough, string? SecretFile);

/// <summary>
/// Decides egress by host name and port. Implemented by the policy library; used by labd's
/// proxy and resolver, and by <c>labctl policy explain --host</c>, so both always agree.
/// </summary>
public interface IEgressMatcher
{
    /// <summary>Decide a connection to <paramref name="host"/> (as the client named it: SNI,
    /// Host header or CONNECT authority) on <paramref name="port"/>. Malformed or
    /// non-canonical names are denied, never allowed by default.</summary>
    EgressDecision Decide(string host, int port);

    /// <summary>Decide a connection to an IP literal (only CIDR rules can allow these).</summary>
    EgressDecision DecideAddress(System.Net.IPAddress address, int port);

    /// <summary>Whether the resolver may answer A/AAAA queries for <paramref name="host"/>
    /// (the name is allowed on at least one port).</summary>
    bool MayResolve(string host);

    /// <summary>Every TCP port some allow rule can admit; others are rejected inside the
    /// sandbox's network namespace before they reach the proxy.</summary>
    ImmutableArray<int> Ports { get; }

    /// <summary>Whether an allow rule admits private, loopback or link-local addresses that
    /// the resolved name points at (off unless a CIDR rule allows them explicitly).</summary>
    bool AllowsResolvedAddress(System.Net.IPAddress address, int port);
}

/// <summary>An egress verdict with the reason a user can act on.</summary>
public sealed record EgressDecision(bool Allowed, string Reason, string? RuleText, SourceLocation? Origin);
