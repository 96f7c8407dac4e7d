using System.Text.Json;
using Labd.Interop;

namespace Labd.Runs;

/// <summary>
/// A handle on one run, alive or finished, valid across labd restarts: everything is read
/// from the run directory (supervisor lock, exit record), never from labd's memory.
/// </summary>
internal sealed class Run
{
    internal Run(string id, RunPaths paths)
    {
        Id = id;
        Paths = paths;
    }

    public string Id { get; }

    internal RunPaths Paths { get; }

    public string LogPath => Paths.Log;

    /// <summary>The egress binding the run's netfilter rules point at (null for runs started
    /// before it was recorded). After a labd restart, the egress component re-listens on these
    /// ports for every live re-adopted run.</summary>
    public EgressBinding? TryGetEgressBinding() =>
        File.Exists(Paths.Egress)
            ? JsonSerializer.Deserialize(File.ReadAllText(Paths.Egress), RunsJsonContext.Default.PersistedEgressBinding)?.ToBinding()
            : null;

    /// <summary>Whether the supervisor still holds its lock.</summary>
    public bool IsSupervisorAlive()
    {
        if (!File.Exists(Paths.Lock))
        {
            return false;
        }
        // flock locks belong to the open file description, so probing with a fresh open never
        // disturbs the supervisor's lock; closing the probe releases ours.
        using var probe = Flock.Open(Paths.Lock, create: false);
        return !Flock.TryLockExclusive(probe);
    }

    /// <summary>The exit record, or null while the run is going.</summary>
    public RunExit? TryGetExit()
    {
        if (File.Exists(Paths.Exit))
        {
            return JsonSerializer.Deserialize(File.ReadAllText(Paths.Exit), RunsJsonContext.Default.RunExit);
        }
        if (File.Exists(Paths.SupervisorPid) && !IsSupervisorAlive() && !File.Exists(Paths.Exit))
        {
            var now = DateTimeOffset.UtcNow;
            return new RunExit(RunOutcome.Lost, null, "the supervisor died without recording an exit status", now, now, false);
        }
        return null;
    }

    public async Task<RunExit> WaitAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (TryGetExit() is { } exit)
            {
                return exit;
            }
            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>Asks the supervisor to end the run: SIGTERM to the target, bounded grace (the
    /// launch plan's, or <paramref name="grace"/>), SIGKILL.</summary>
    public Task CancelAsync(CancellationToken cancellationToken, TimeSpan? grace = null)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (grace is { } g && SupervisorPid is not null)
        {
            File.WriteAllText(Paths.CancelGrace, ((long)g.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        if (SupervisorPid is int pid)
        {
            Kill.Send(pid, Kill.SIGTERM);
        }
        return Task.CompletedTask;
    }

    /// <summary>The supervisor's pid, while it is alive (tests use it to kill it).</summary>
    internal int? SupervisorPid =>
        File.Exists(Paths.SupervisorPid) && IsSupervisorAlive() && int.TryParse(File.ReadAllText(Paths.SupervisorPid), out var pid) ? pid : null;
}
