using Labd.Protocol;

namespace Labd.Hosting;

/// <summary>
/// Whether this host can start sandboxes: the tools on PATH, /dev/net/tun usable by an
/// unprivileged user, user namespaces enabled. Each problem names the fix. Extend by
/// adding a check to <see cref="Checks"/>; <c>labctl doctor</c> shows the same list.
/// </summary>
internal sealed class SandboxReadinessProbe
{
    private static readonly string[] Tools = ["bwrap", "rootlesskit", "slirp4netns"];

    private readonly string _root;

    /// <param name="root">Prefix for /proc and /dev paths, for tests; "/" in production.</param>
    public SandboxReadinessProbe(string root = "/")
    {
        _root = root;
    }

    public IEnumerable<Func<string?>> Checks =>
    [
        .. Tools.Select(tool => (Func<string?>)(() => CheckTool(tool))),
        CheckTun,
        CheckUserNamespaces,
    ];

    public SandboxReadiness Probe()
    {
        var problems = Checks.Select(check => check()).OfType<string>().ToList();
        return new SandboxReadiness(problems.Count == 0, problems);
    }

    public static string? FindOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, tool))
            .FirstOrDefault(path => File.Exists(path) && (File.GetUnixFileMode(path) & UnixFileMode.OtherExecute) != 0);

    private static string? CheckTool(string tool) =>
        FindOnPath(tool) is null
            ? $"{tool} not found on PATH; install it: apt-get install bubblewrap rootlesskit slirp4netns uidmap iptables"
            : null;

    private string? CheckTun()
    {
        var tun = Path.Combine(_root, "dev/net/tun");
        if (!File.Exists(tun))
        {
            return $"{tun} is missing; load the tun module: modprobe tun";
        }
        const UnixFileMode others = UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
        return (File.GetUnixFileMode(tun) & others) == others
            ? null
            : $"{tun} is not usable by unprivileged users (slirp4netns needs it); run: chmod 0666 {tun}";
    }

    private string? CheckUserNamespaces()
    {
        var max = ReadInt("proc/sys/user/max_user_namespaces");
        if (max is 0)
        {
            return "user namespaces are disabled; run: sysctl -w user.max_user_namespaces=15000";
        }
        // Debian's kernels gate unprivileged user namespaces behind this knob.
        return ReadInt("proc/sys/kernel/unprivileged_userns_clone") is 0
            ? "unprivileged user namespaces are disabled; run: sysctl -w kernel.unprivileged_userns_clone=1"
            : null;
    }

    private int? ReadInt(string relative)
    {
        var path = Path.Combine(_root, relative);
        return File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : null;
    }
}
