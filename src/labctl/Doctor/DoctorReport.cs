namespace Labctl.Doctor;

/// <summary><c>labctl doctor -o json</c>: every check, and whether none failed.</summary>
internal sealed record DoctorReport(bool Ok, IReadOnlyList<DoctorCheck> Checks)
{
    public static DoctorReport From(IReadOnlyList<DoctorCheck> checks) =>
        new(checks.All(c => c.Status != CheckStatus.Fail), checks);
}
