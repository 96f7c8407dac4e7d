using Labd.Agents;
using Labd.Protocol;

namespace Labd.Api;

/// <summary><c>GET /v1/guide</c>: labd's API guide for agents (text/markdown), also on agents' sockets.</summary>
internal static class GuideEndpoints
{
    public static IEndpointRouteBuilder MapGuide(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Routes.Guide, () => Results.Text(AgentGuide.Text, "text/markdown; charset=utf-8"));
        return endpoints;
    }
}
