using Labd.Protocol;

namespace Labctl.Output;

/// <summary><c>labctl version -o json</c>: this client, and labd's answer or why there is none.</summary>
internal sealed record VersionReport(string Client, VersionInfo? Daemon, string? DaemonError);
