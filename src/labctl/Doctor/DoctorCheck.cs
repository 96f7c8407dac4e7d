namespace Labctl.Doctor;

/// <summary>
/// One line of <c>labctl doctor</c>. <see cref="Fix"/> is set when the status is not ok: the
/// exact command(s) to run, one per line.
/// </summary>
internal sealed record DoctorCheck(string Name, CheckStatus Status, string Detail, string? Fix = null)
{
    public static DoctorCheck Ok(string name, string detail) => new(name, CheckStatus.Ok, detail);

    public static DoctorCheck Warn(string name, string detail, string fix) => new(name, CheckStatus.Warn, detail, fix);

    public static DoctorCheck Fail(string name, string detail, string fix) => new(name, CheckStatus.Fail, detail, fix);
}
