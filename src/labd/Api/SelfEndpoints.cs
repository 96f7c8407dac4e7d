using Labd.Protocol;

namespace Labd.Api;

/// <summary><c>GET /v1/self</c>: the caller as labd resolved it (any caller, any socket).</summary>
internal static class SelfEndpoints
{
    public static IEndpointRouteBuilder MapSelf(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Routes.Self, (Caller caller) =>
            Results.Json(new SelfInfo(caller.KindName, caller.Uid, caller.UserName, string.IsNullOrEmpty(caller.Scope?.LabId) ? null : caller.Scope.LabId, caller.Scope?.AgentId, caller.Scope?.RunId), ProtocolJsonContext.Default.SelfInfo));
        return endpoints;
    }
}
