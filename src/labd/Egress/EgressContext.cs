using System.Net;
using Labd.SandboxPolicy;

namespace Labd.Egress;

/// <summary>What every listener of one sandbox shares: its policy, its decision log, the dialer.</summary>
internal sealed class EgressContext(string runId, IEgressMatcher matcher, EgressDecisionLog decisions, UpstreamDialer dialer, EgressOptions options, ILogger logger, int? peerUid)
{
    public string RunId { get; } = runId;

    public IEgressMatcher Matcher { get; } = matcher;

    public EgressDecisionLog Decisions { get; } = decisions;

    public UpstreamDialer Dialer { get; } = dialer;

    public EgressOptions Options { get; } = options;

    public ILogger Logger { get; } = logger;

    /// <summary>When set, only connections whose peer socket this uid owns are served.</summary>
    public int? PeerUid { get; } = peerUid;

    public SemaphoreSlim Connections { get; } = new(options.MaxConnectionsPerSandbox, options.MaxConnectionsPerSandbox);

    /// <summary>The policy's verdict on a name (or an IP literal, which only CIDR rules can allow).
    /// A matcher that throws denies.</summary>
    public (EgressDecision Decision, IPAddress? Literal) Decide(string host, int port)
    {
        try
        {
            return HostAuthority.TryParseLiteral(host, out var address)
                ? (Matcher.DecideAddress(address, port), address)
                : (Matcher.Decide(host, port), null);
        }
#pragma warning disable CA1031 // Fail closed on any policy bug.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return (new EgressDecision(false, $"policy error: {ex.Message}", null, null), null);
        }
    }
}
