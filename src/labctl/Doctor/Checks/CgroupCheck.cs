namespace Labctl.Doctor.Checks;

/// <summary>
/// Which cgroup hierarchy the host mounts (proc_pid_mountinfo(5): the filesystem type follows
/// the " - " separator). labd limits runs through cgroups; pure v2 is what production hosts use.
/// </summary>
internal static class CgroupCheck
{
    public const string Name = "cgroups";
    internal const string Fix = "boot with systemd.unified_cgroup_hierarchy=1 (add it to GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub and reboot)";

    public static DoctorCheck Run(HostProbe host)
    {
        var mountinfo = host.ReadTrimmed("/proc/self/mountinfo");
        if (mountinfo is null)
        {
            return DoctorCheck.Warn(Name, "cannot read /proc/self/mountinfo", "mount -t proc proc /proc");
        }
        var v2 = new List<string>();
        var v1 = 0;
        foreach (var line in mountinfo.Split('\n'))
        {
            var fields = line.Split(' ');
            var separator = Array.IndexOf(fields, "-");
            if (separator < 5 || separator + 1 >= fields.Length)
            {
                continue;
            }
            switch (fields[separator + 1])
            {
                case "cgroup2":
                    v2.Add(fields[4]);
                    break;
                case "cgroup":
                    v1++;
                    break;
            }
        }
        return (v2.Count, v1) switch
        {
            ( > 0, 0) => DoctorCheck.Ok(Name, $"v2 (unified) at {string.Join(", ", v2)}"),
            ( > 0, _) => DoctorCheck.Warn(Name, $"hybrid: {v1} v1 hierarchies, v2 at {string.Join(", ", v2)}; run limits use what systemd offers", Fix),
            (0, > 0) => DoctorCheck.Warn(Name, $"v1 only ({v1} hierarchies)", Fix),
            _ => DoctorCheck.Fail(Name, "no cgroup filesystem mounted", "mount -t cgroup2 none /sys/fs/cgroup"),
        };
    }
}
