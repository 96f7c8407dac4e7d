namespace Labd.Protocol;

/// <summary>Answer of <c>GET /v1/version</c>.</summary>
public sealed record VersionInfo(
    string Version,
    int ApiVersion,
    IReadOnlyList<string> Capabilities)
{
    /// <summary>The API version this build of the protocol speaks.</summary>
    public const int CurrentApiVersion = 1;
}
