using Labd.SandboxPolicy;

namespace Labd.Runs;

/// <summary>
/// Implemented by the egress component. The Runs component asks for a binding before it
/// starts a sandbox and releases it when the run has ended (or, after a labd restart, when a
/// re-adopted run ends). Listeners are per sandbox, so the proxy knows which policy applies
/// from the listener a connection arrives on; the sandbox cannot reach any other listener.
/// </summary>
internal interface IEgressProvider
{
    /// <summary>Opens (or, for a re-adopted run, re-opens) this run's listeners on a host address
    /// reachable through slirp4netns, for the TCP ports <paramref name="matcher"/> can admit, and
    /// a DNS listener. Must be listening when it returns: the sandbox starts right after.
    /// <paramref name="runDirectory"/> keeps the decision journal and the listener ports;
    /// <paramref name="sandboxUid"/> is the host uid slirp4netns runs as (the only peer admitted).</summary>
    ValueTask<EgressBinding> BindAsync(string runId, IEgressMatcher matcher, string runDirectory, int sandboxUid, CancellationToken cancellationToken);

    /// <summary>Closes the run's listeners. Idempotent.</summary>
    ValueTask ReleaseAsync(string runId, CancellationToken cancellationToken);
}
