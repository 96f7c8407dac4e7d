namespace Labctl.Doctor.Checks;

/// <summary>
/// rootlesskit needs unprivileged user namespaces: the sysctls must allow them, and an
/// unprivileged user must actually get one (tried with unshare(1), as nobody when root).
/// </summary>
internal static class UserNamespaceCheck
{
    public const string Name = "user namespaces";
    internal const int Nobody = 65534;

    public static async Task<DoctorCheck> RunAsync(HostProbe host, CancellationToken cancellationToken)
    {
        var clone = host.ReadTrimmed("/proc/sys/kernel/unprivileged_userns_clone");
        if (clone == "0")
        {
            return DoctorCheck.Fail(Name, "kernel.unprivileged_userns_clone is 0",
                "sysctl -w kernel.unprivileged_userns_clone=1\necho kernel.unprivileged_userns_clone=1 > /etc/sysctl.d/50-labd-userns.conf");
        }
        var max = host.ReadTrimmed("/proc/sys/user/max_user_namespaces");
        if (max is null)
        {
            return DoctorCheck.Warn(Name, "cannot read /proc/sys/user/max_user_namespaces", "check that /proc is mounted: mount -t proc proc /proc");
        }
        if (!long.TryParse(max, out var maxCount) || maxCount <= 0)
        {
            return DoctorCheck.Fail(Name, $"user.max_user_namespaces is {max}",
                "sysctl -w user.max_user_namespaces=28633\necho user.max_user_namespaces=28633 > /etc/sysctl.d/50-labd-userns.conf");
        }
        if (host.ReadTrimmed("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1")
        {
            return DoctorCheck.Fail(Name, "AppArmor restricts unprivileged user namespaces",
                "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0\necho kernel.apparmor_restrict_unprivileged_userns=0 > /etc/sysctl.d/50-labd-userns.conf");
        }
        return await TryAsync(host, maxCount, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<DoctorCheck> TryAsync(HostProbe host, long maxCount, CancellationToken cancellationToken)
    {
        var unshare = host.Which("unshare");
        var setpriv = host.IsRoot ? host.Which("setpriv") : null;
        if (unshare is null || (host.IsRoot && setpriv is null))
        {
            return DoctorCheck.Warn(Name, $"max_user_namespaces={maxCount}, but unshare/setpriv not found to try one", "apt-get install -y util-linux");
        }
        string[] tryUnshare = [unshare, "--user", "--map-root-user", "true"];
        var (program, arguments, who) = host.IsRoot
            ? (setpriv!, (string[])[$"--reuid={Nobody}", $"--regid={Nobody}", "--clear-groups", "--", .. tryUnshare], "nobody")
            : (unshare, tryUnshare[1..], Environment.UserName);
        var result = await host.RunAsync(program, arguments, cancellationToken).ConfigureAwait(false);
        return result.ExitCode == 0
            ? DoctorCheck.Ok(Name, $"max_user_namespaces={maxCount}; {who} can create one")
            : DoctorCheck.Fail(Name, $"{who} cannot create a user namespace: {FirstLine(result.Output)}",
                "sysctl -w user.max_user_namespaces=28633 kernel.unprivileged_userns_clone=1 (and check AppArmor/SELinux policy)");
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n', 2)[0].Trim();
        return line.Length == 0 ? "no message" : line;
    }
}
