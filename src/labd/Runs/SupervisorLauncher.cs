using System.Diagnostics;
using System.Globalization;

namespace Labd.Runs;

/// <summary>
/// Starts <c>labd supervise RUN_DIR</c> detached from labd. Under systemd (detected by
/// <c>/run/systemd/system</c>) it becomes a transient unit <c>labd-run-&lt;id&gt;.service</c> in
/// <c>labd.slice</c> with the spec's memory, CPU and task limits and a closed device policy, so
/// restarting labd never kills it and the limits are enforced by cgroups. Without systemd it is
/// a new session (setsid) whose stdio is /dev/null; only timeout, log cap and pids
/// (RLIMIT_NPROC) are enforced then.
/// </summary>
internal static class SupervisorLauncher
{
    public static bool UnderSystemd => Directory.Exists("/run/systemd/system");

    public static Process Launch(RunsOptions options, LaunchPlan plan, RunPaths paths, SandboxPolicy.SandboxLimits limits)
    {
        var psi = new ProcessStartInfo { UseShellExecute = false, WorkingDirectory = "/" };
        // Without systemd, stdio must not be labd's: a supervisor holding labd's stdout/stderr
        // keeps a reader of them (journald's stream, a test harness) waiting after labd is gone.
        var argv = UnderSystemd ? SystemdRun(plan, limits) : ["/bin/sh", "-c", "exec /usr/bin/setsid \"$@\" </dev/null >/dev/null 2>&1", "sh"];
        psi.FileName = argv[0];
        foreach (var a in argv.Skip(1).Concat(options.SupervisorCommand).Append("supervise").Append(paths.Directory))
        {
            psi.ArgumentList.Add(a);
        }
        psi.RedirectStandardInput = true;
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the supervisor");
        process.StandardInput.Close();
        return process;
    }

    /// <summary>systemd-run(1) arguments for the transient unit; see systemd.resource-control(5).</summary>
    internal static List<string> SystemdRun(LaunchPlan plan, SandboxPolicy.SandboxLimits limits)
    {
        var inv = CultureInfo.InvariantCulture;
        var args = new List<string>
        {
            "/usr/bin/systemd-run", "--quiet", "--collect",
            "--unit", "labd-run-" + plan.RunId, "--slice", "labd.slice",
            "-p", "KillMode=control-group", "-p", "DevicePolicy=closed",
            "-p", "DeviceAllow=/dev/net/tun rw", "-p", "DeviceAllow=/dev/null rw", "-p", "DeviceAllow=/dev/zero rw",
            "-p", "DeviceAllow=/dev/full rw", "-p", "DeviceAllow=/dev/random rw", "-p", "DeviceAllow=/dev/urandom rw",
            "-p", "DeviceAllow=/dev/tty rw", "-p", "DeviceAllow=/dev/ptmx rw", "-p", "DeviceAllow=char-pts rw",
        };
        foreach (var node in plan.DeviceNodes)
        {
            args.Add("-p");
            args.Add($"DeviceAllow={node} rw");
        }
        if (limits.MemoryBytes is long memory)
        {
            args.Add("-p");
            args.Add(string.Create(inv, $"MemoryMax={memory}"));
        }
        if (limits.Cpus is double cpus)
        {
            args.Add("-p");
            args.Add(string.Create(inv, $"CPUQuota={Math.Ceiling(cpus * 100)}%"));
        }
        if (limits.Pids is int pids)
        {
            args.Add("-p");
            args.Add(string.Create(inv, $"TasksMax={pids}"));
        }
        args.Add("--");
        return args;
    }
}
