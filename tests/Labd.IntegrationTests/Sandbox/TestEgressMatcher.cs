using System.Collections.Immutable;
using System.Net;
using Labd.SandboxPolicy;

namespace Labd.IntegrationTests.Sandbox;

/// <summary>A stand-in for the policy library's matcher: allows <c>allowed.test</c> on the given ports.</summary>
internal sealed class TestEgressMatcher(params int[] ports) : IEgressMatcher
{
    public ImmutableArray<int> Ports { get; } = [.. ports];

    public EgressDecision Decide(string host, int port) =>
        new(host == "allowed.test" && Ports.Contains(port), "test matcher", null, null);

    public EgressDecision DecideAddress(IPAddress address, int port) => new(false, "test matcher", null, null);

    public bool MayResolve(string host) => host == "allowed.test";

    public bool AllowsResolvedAddress(IPAddress address, int port) => false;
}
