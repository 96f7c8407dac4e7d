using Labctl.Client;
using Labd.Protocol;

namespace Labctl.Doctor.Checks;

/// <summary>
/// Can this caller reach labd: the socket exists, connecting is allowed, and labd answers
/// <c>GET /v1/status</c>. A second line reports labd's own view of sandbox readiness.
/// </summary>
internal static class SocketCheck
{
    public const string Name = "labd socket";
    public const string SandboxName = "labd sandboxes";

    public static async Task<IReadOnlyList<DoctorCheck>> RunAsync(HostProbe host, CancellationToken cancellationToken)
    {
        var socket = host.SocketPath;
        var site = LabdSite.Detect(socket, Environment.GetEnvironmentVariable, host.Path("/"));
        if (!Path.Exists(socket))
        {
            return [DoctorCheck.Fail(Name, $"no socket at {socket}; labd is not running or uses another --socket", site.StartFix)];
        }
        using var client = new LabdClient(socket, TimeSpan.FromSeconds(5), ConnectRetry.Never);
        try
        {
            var status = (await client.GetAsync(Routes.Status, ProtocolJsonContext.Default.StatusInfo, cancellationToken).ConfigureAwait(false)).Value;
            var you = $"you are {status.Caller.Kind} (uid {status.Caller.Uid})";
            var sandbox = status.Sandbox.Ready
                ? DoctorCheck.Ok(SandboxName, "labd can start sandboxes")
                : DoctorCheck.Fail(SandboxName, string.Join("; ", status.Sandbox.Problems), "fix the checks above, then " + site.RestartFix);
            return [DoctorCheck.Ok(Name, $"labd {status.Version} answers at {socket}; {you}"), sandbox];
        }
        catch (LabdUnreachableException e) when (e.PermissionDenied)
        {
            return [DoctorCheck.Fail(Name, $"permission denied on {socket}; only root and members of group labd may connect",
                $"usermod -aG labd {Environment.UserName}   (then log out and in again, or run `newgrp labd`)")];
        }
        catch (LabdUnreachableException e)
        {
            return [DoctorCheck.Fail(Name, e.Detail, site.RestartFix)];
        }
        catch (LabdApiException e)
        {
            return [DoctorCheck.Fail(Name, $"labd answered with an error: {e.Detail} ({e.Code})", site.LogHint)];
        }
    }
}
