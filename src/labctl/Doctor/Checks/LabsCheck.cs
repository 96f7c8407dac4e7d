using Labctl.Client;
using Labd.Protocol;

namespace Labctl.Doctor.Checks;

/// <summary>
/// Can sandboxes run from the caller's labs: labd reports, per lab, why not (<c>problem</c> in
/// <c>GET /v1/labs</c>, e.g. a lab directory others cannot read), with the fix. No line when labd
/// cannot be reached (the socket check says why) or the caller has no labs.
/// </summary>
internal static class LabsCheck
{
    public const string Name = "labs";

    public static async Task<IReadOnlyList<DoctorCheck>> RunAsync(HostProbe host, CancellationToken cancellationToken)
    {
        if (!Path.Exists(host.SocketPath))
        {
            return [];
        }
        IReadOnlyList<LabRecord> labs;
        using (var client = new LabdClient(host.SocketPath, TimeSpan.FromSeconds(5)))
        {
            try
            {
                labs = (await client.GetAsync(Routes.Labs, ProtocolJsonContext.Default.IReadOnlyListLabRecord, cancellationToken).ConfigureAwait(false)).Value;
            }
            catch (Exception e) when (e is LabdUnreachableException or LabdApiException)
            {
                return [];
            }
        }
        if (labs.Count == 0)
        {
            return [];
        }
        var broken = labs.Where(l => l.Problem is not null).ToList();
        if (broken.Count == 0)
        {
            return [DoctorCheck.Ok(Name, $"sandboxes can read {(labs.Count == 1 ? "your lab" : $"all {labs.Count} of your labs")}")];
        }
        var first = broken[0];
        var more = broken.Count > 1 ? $" (and {broken.Count - 1} more: {string.Join(", ", broken.Skip(1).Select(l => l.Id))})" : "";
        // labd's messages name their fix as the first `command` in backquotes.
        var fix = first.Problem!.Split('`') is [_, var command, ..] ? command : "labctl lab show " + first.Id;
        return [DoctorCheck.Fail(Name, $"lab {first.Id}: {first.Problem}{more}", fix)];
    }
}
