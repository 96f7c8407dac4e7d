namespace Labd.Runs;

/// <summary>The files of one run under <c>&lt;stateDir&gt;/runs/&lt;id&gt;</c>.</summary>
internal sealed record RunPaths(string Directory)
{
    public string LaunchPlan => Path.Combine(Directory, "launch.json");
    public string Exit => Path.Combine(Directory, "exit.json");
    public string Log => Path.Combine(Directory, "output.log");
    public string SupervisorLog => Path.Combine(Directory, "supervisor.log");
    public string Lock => Path.Combine(Directory, "supervisor.lock");
    public string SupervisorPid => Path.Combine(Directory, "supervisor.pid");
    public string Started => Path.Combine(Directory, "started");

    /// <summary>Written by labd (root; the run directory is not the sandbox's to write) just before
    /// it cancels the run: the grace in milliseconds between SIGTERM and SIGKILL for this cancel.</summary>
    public string CancelGrace => Path.Combine(Directory, "cancel-grace");

    /// <summary>The run's egress binding, so listeners can be re-opened on the same ports after a labd restart.</summary>
    public string Egress => Path.Combine(Directory, "egress.json");

    /// <summary>rootlesskit's <c>--state-dir</c> (child_pid, lock, api.sock): owned by the sandbox user,
    /// because rootlesskit writes it as that user; never mounted inside the sandbox, and nothing
    /// in it is read by root (rootlesskit's child is the kernel's word: <see cref="SandboxChild"/>).</summary>
    public string RootlesskitState => Path.Combine(Directory, "rk");

    /// <summary>Root-owned mount points (0711) onto which the supervisor stages bind sources in its private
    /// mount namespace (<see cref="BindStage"/>); empty on the host.</summary>
    public string Binds => Path.Combine(Directory, "binds");

    /// <summary>Bound at <c>/run/lab</c> inside; the per-sandbox API socket will live here.</summary>
    public string Lab => Path.Combine(Directory, "lab");

    /// <summary>The sandbox's own API socket (<c>/run/lab/api.sock</c> inside).</summary>
    public string ApiSocket => Path.Combine(Lab, "api.sock");

    /// <summary>Who the sandbox's socket serves (<see cref="SandboxApiCaller"/>), so a restarted labd re-opens it.</summary>
    public string ApiCaller => Path.Combine(Directory, "api.json");
    public const string MetricsFileName = "metrics.jsonl";
    public const string ProgressFileName = "progress";

    /// <summary>Per-step metrics (JSONL) an experiment appends to, at <c>/run/lab/metrics.jsonl</c> inside.</summary>
    public string Metrics => Path.Combine(Lab, MetricsFileName);

    /// <summary>An experiment's progress line, at <c>/run/lab/progress</c> inside.</summary>
    public string Progress => Path.Combine(Lab, ProgressFileName);
}
