using Labd.Hosting;
using Labd.Protocol;

namespace Labd.Api;

/// <summary><c>GET /v1/version</c>: version, API version and capabilities.</summary>
internal static class VersionEndpoints
{
    public static IEndpointRouteBuilder MapVersion(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Routes.Version, (DaemonInfo info) =>
            Results.Json(new VersionInfo(info.Version, VersionInfo.CurrentApiVersion, [.. info.Capabilities]), ProtocolJsonContext.Default.VersionInfo));
        return endpoints;
    }
}
