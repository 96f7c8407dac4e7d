namespace Labctl.Client;

/// <summary>
/// Where labctl runs relative to labd, which decides what it may tell the user to do when labd
/// does not answer: inside one of labd's sandboxes (labd sets <c>LAB_API_SOCKET</c> there and
/// serves <c>/run/lab/api.sock</c>) nothing can be started and systemctl means nothing; on a host,
/// systemctl only when PID 1 is systemd (sd_booted(3): <c>/run/systemd/system</c> exists), else
/// what scripts/install does: <c>labd --foreground</c> logging to <c>/var/log/labd.log</c>.
/// </summary>
/// <param name="InSandbox">Inside a sandbox: <c>LAB_API_SOCKET</c> is set, or labctl talks to <c>/run/lab/api.sock</c>.</param>
/// <param name="SandboxSocket">Talking to the sandbox's own socket (its <c>LAB_API_SOCKET</c>, or <c>/run/lab/api.sock</c>), which labd serves again once it restarts.</param>
/// <param name="Systemd">PID 1 is systemd.</param>
internal sealed record LabdSite(bool InSandbox, bool SandboxSocket, bool Systemd)
{
    public const string SandboxSocketPath = "/run/lab/api.sock";
    public const string LogFile = "/var/log/labd.log";

    /// <summary>Where labctl talking to <paramref name="socketPath"/> with <paramref name="environment"/> runs; host paths are read under <paramref name="hostRoot"/> (<c>/</c>, or a test's directory).</summary>
    public static LabdSite Detect(string socketPath, Func<string, string?> environment, string hostRoot = "/")
    {
        var sandboxSocket = environment(GlobalOptions.SandboxSocketVariable);
        return new(
            !string.IsNullOrEmpty(sandboxSocket) || socketPath == SandboxSocketPath,
            socketPath == SandboxSocketPath || (!string.IsNullOrEmpty(sandboxSocket) && socketPath == sandboxSocket),
            Directory.Exists(Path.Join(hostRoot, "/run/systemd/system")));
    }

    /// <summary>From this process's environment and the real host.</summary>
    public static LabdSite Current(string socketPath) => Detect(socketPath, Environment.GetEnvironmentVariable);

    /// <summary>The next step after "labd does not answer".</summary>
    public string DaemonHint =>
        InSandbox ? "labd runs outside this sandbox and may be restarting; try again in a minute, and if it stays down tell the lab's owner"
        : Systemd ? "is labd running? try `systemctl status labd` or `labctl doctor`"
        : $"is labd running? start it as root with `labd --foreground >>{LogFile} 2>&1 &`, see {LogFile}, or `labctl doctor`";

    /// <summary>How to start labd (doctor's fix when there is no socket).</summary>
    public string StartFix =>
        InSandbox ? "labd runs outside this sandbox; ask the lab's owner"
        : Systemd ? "systemctl start labd"
        : $"labd --foreground >>{LogFile} 2>&1 &   (as root; no systemd here)";

    /// <summary>How to restart labd and where its log is.</summary>
    public string RestartFix =>
        InSandbox ? "labd runs outside this sandbox; ask the lab's owner"
        : Systemd ? "systemctl restart labd   (and see `journalctl -u labd`)"
        : $"restart `labd --foreground` (as root) and see {LogFile}";

    /// <summary>Where labd's log is.</summary>
    public string LogHint => Systemd && !InSandbox ? "journalctl -u labd" : $"see {LogFile}";
}
