using Labd.Experiments;
using Labd.Protocol;

namespace Labd.Api;

/// <summary><c>GET /v1/gpus</c>: each GPU free, leased (to which experiment, lab, owner, when the caller may
/// see that lab; otherwise only "leased") or busy outside labd.</summary>
internal static class GpuEndpoints
{
    public static IEndpointRouteBuilder MapGpus(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Routes.Gpus, async (HttpContext context, Caller caller, ExperimentRunner runner) =>
            Results.Json(await runner.GpusAsync(caller, context.RequestAborted).ConfigureAwait(false), ProtocolJsonContext.Default.IReadOnlyListGpuState));
        return endpoints;
    }
}
