
namespace Labd.Egress;

/// <summary>Log events of the egress component (event ids 4000–4099).</summary>
internal static partial class EgressLog
{
    [LoggerMessage(4000, LogLevel.Information, "Egress {Decision} for run {Run}: {Kind} {Host}:{Port} ({Reason}) via {Resolved}")]
    public static partial void Decision(ILogger logger, string run, string decision, string kind, string host, int port, string reason, string? resolved);

    [LoggerMessage(4001, LogLevel.Information, "Egress for run {Run} listening on {Address}: ports {Ports}, DNS {DnsPort}")]
    public static partial void Opened(ILogger logger, string run, string address, string ports, int dnsPort);

    [LoggerMessage(4002, LogLevel.Information, "Egress for run {Run} closed")]
    public static partial void Closed(ILogger logger, string run);

    [LoggerMessage(4003, LogLevel.Debug, "Egress connection for run {Run} ended with an error")]
    public static partial void ConnectionFailed(ILogger logger, string run, Exception exception);

    [LoggerMessage(4004, LogLevel.Warning, "Egress for run {Run}: could not append to the decision log {Path}")]
    public static partial void JournalFailed(ILogger logger, string run, string path, Exception exception);

    [LoggerMessage(4005, LogLevel.Warning, "Egress for run {Run}: connection limit {Limit} reached, refusing a connection")]
    public static partial void TooManyConnections(ILogger logger, string run, int limit);

    [LoggerMessage(4007, LogLevel.Warning, "Egress for run {Run}: {Dropped} decisions not logged: {Reason}")]
    public static partial void DecisionsDropped(ILogger logger, string run, long dropped, string reason);

    [LoggerMessage(4006, LogLevel.Debug, "Egress DNS for run {Run}: dropped a malformed datagram")]
    public static partial void DnsDropped(ILogger logger, string run);
}
