using System.Reflection;

namespace Labd.Hosting;

/// <summary>Facts fixed at start: version, start time, capabilities advertised by <c>GET /v1/version</c>.</summary>
internal sealed class DaemonInfo
{
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    public string Version { get; } =
        typeof(DaemonInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? "0.0.0";

    /// <summary>Components add the capability names they implement here at start-up (e.g. "runs").</summary>
    public ISet<string> Capabilities { get; } = new SortedSet<string>(StringComparer.Ordinal) { "status", "events", "peer-credentials" };
}
