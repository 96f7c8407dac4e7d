using System.Net;

namespace Labd.Runs;

/// <summary>Configuration of the Runs component.</summary>
internal sealed record RunsOptions
{
    /// <summary>labd's state directory; runs live in <c>&lt;StateDirectory&gt;/runs/&lt;id&gt;</c>. Must be
    /// traversable (mode 0711 or wider) by the sandbox users, because rootlesskit, running as the
    /// sandbox uid, writes its state directory inside the run directory.</summary>
    public required string StateDirectory { get; init; }

    /// <summary>How to start the supervisor: argv prefix to which <c>supervise RUN_DIR</c> is
    /// appended (default: this executable).</summary>
    public IReadOnlyList<string> SupervisorCommand { get; init; } = [Environment.ProcessPath ?? "labd"];

    public int PoolSize { get; init; } = 8;

    public IPAddress EgressHostAddress { get; init; } = Runs.EgressHostAddress.Default;

    public long DefaultLogBytes { get; init; } = 64L << 20;

    /// <summary>The cap on an experiment's metrics and progress files when its policy sets no <c>limits.metrics</c>.</summary>
    public const long DefaultMetricsBytes = 16L << 20;

    public long TmpBytes { get; init; } = 1L << 30;

    public TimeSpan TerminationGrace { get; init; } = TimeSpan.FromSeconds(5);

    public string RunsDirectory => Path.Combine(StateDirectory, "runs");

    /// <summary>Where sandbox-user leases live. Host-wide, not per state directory: every labd on a
    /// host (tests run several side by side) draws from the same <c>labd-sbx-N</c> pool, so two
    /// daemons must never lease one uid, and reclaiming a lease sweeps that uid's processes.
    /// Under /run because no sandbox outlives a reboot.</summary>
    public string LeaseDirectory { get; init; } = "/run/labd-sandbox-leases";

    /// <summary>Root-owned empty placeholders bound over hidden paths under bound parents.</summary>
    public string EmptyDirectory => Path.Combine(StateDirectory, "empty", "dir");

    public string EmptyFile => Path.Combine(StateDirectory, "empty", "file");
}
