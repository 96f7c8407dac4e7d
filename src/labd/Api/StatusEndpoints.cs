using Labd.Hosting;
using Labd.Policy;
using Labd.Protocol;
using Labd.Scheduler;
using Labd.Store;

namespace Labd.Api;

/// <summary><c>GET /v1/status</c>: uptime, paths, who you are, record counts (an admin's host-wide; anyone
/// else's only over what they may see), GPUs, sandbox readiness.</summary>
internal static class StatusEndpoints
{
    public static IEndpointRouteBuilder MapStatus(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Routes.Status, async (Caller caller, DaemonInfo info, LabdSettings settings, StateStore store, Tracker.LabAccess access, SandboxReadinessProbe probe, PolicyRegistry policies, GpuInventory gpus, CancellationToken cancellationToken) =>
        {
            var counts = caller.IsAdmin
                ? await store.CountsAsync(cancellationToken).ConfigureAwait(false)
                : await store.CountsAsync([.. (await access.ListAsync(caller, cancellationToken).ConfigureAwait(false)).Select(l => l.Id)], caller.Uid, cancellationToken).ConfigureAwait(false);
            var status = new StatusInfo(
                info.Version,
                info.StartedAt,
                Math.Round((DateTimeOffset.UtcNow - info.StartedAt).TotalSeconds, 3),
                settings.StateDir,
                settings.Socket,
                new CallerInfo(caller.KindName, caller.Uid, caller.UserName),
                counts,
                gpus.Scan(),
                probe.Probe(),
                PolicyEndpoints.Status(policies));
            return Results.Json(status, ProtocolJsonContext.Default.StatusInfo);
        });
        return endpoints;
    }
}
