using Labctl.Doctor.Checks;

namespace Labctl.Doctor;

/// <summary>Runs every check, in the order a person would fix things.</summary>
internal static class Doctor
{
    public static async Task<IReadOnlyList<DoctorCheck>> RunAsync(HostProbe host, CancellationToken cancellationToken)
    {
        var checks = new List<DoctorCheck>();
        checks.AddRange(ToolChecks.Run(host));
        checks.Add(TunCheck.Run(host));
        checks.Add(await UserNamespaceCheck.RunAsync(host, cancellationToken).ConfigureAwait(false));
        checks.Add(SubordinateIdCheck.Run(host));
        checks.Add(CgroupCheck.Run(host));
        checks.Add(GpuCheck.Run(host));
        checks.AddRange(await SocketCheck.RunAsync(host, cancellationToken).ConfigureAwait(false));
        checks.AddRange(await LabsCheck.RunAsync(host, cancellationToken).ConfigureAwait(false));
        return checks;
    }
}
