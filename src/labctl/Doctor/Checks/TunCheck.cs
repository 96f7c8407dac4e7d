namespace Labctl.Doctor.Checks;

/// <summary>
/// slirp4netns, started by rootlesskit as the unprivileged sandbox user, opens /dev/net/tun;
/// Debian ships it 0666, some VM images 0600.
/// </summary>
internal static class TunCheck
{
    public const string Name = "/dev/net/tun";
    internal const UnixFileMode ReadWriteForAll = UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    public static DoctorCheck Run(HostProbe host)
    {
        var path = host.Path("/dev/net/tun");
        if (!File.Exists(path))
        {
            return DoctorCheck.Fail(Name, $"{path} does not exist (slirp4netns needs the tun device)",
                $"modprobe tun || (mkdir -p {Path.GetDirectoryName(path)} && mknod {path} c 10 200)\nchmod 0666 {path}");
        }
        var mode = File.GetUnixFileMode(path);
        var octal = Convert.ToString((int)mode, 8).PadLeft(4, '0');
        return (mode & ReadWriteForAll) == ReadWriteForAll
            ? DoctorCheck.Ok(Name, $"{path} mode {octal}")
            : DoctorCheck.Fail(Name, $"{path} mode {octal}; sandbox users cannot open it (needs 0666)",
                $"chmod 0666 {path}\n"
                + "to keep it after reboots: echo 'KERNEL==\"tun\", GROUP=\"root\", MODE=\"0666\"' > /etc/udev/rules.d/99-labd-tun.rules");
    }
}
