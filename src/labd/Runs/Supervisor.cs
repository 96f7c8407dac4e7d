using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Labd.Interop;

namespace Labd.Runs;

/// <summary>
/// <c>labd supervise &lt;runDir&gt;</c>: one detached process per run (setsid, or a transient
/// systemd unit) that outlives labd restarts. It holds an exclusive flock on
/// <c>supervisor.lock</c> while alive, starts the launch chain, installs the network rules
/// before the target runs, owns the log, enforces the timeout, records
/// <c>exit.json</c> atomically and finally frees the sandbox uid.
/// </summary>
internal static class Supervisor
{
    private static readonly TimeSpan GateTimeout = TimeSpan.FromSeconds(30);
    private static readonly List<string> Milestones = [];
    private static readonly ManualResetEventSlim CancelRequested = new();
    private static readonly Stopwatch Clock = Stopwatch.StartNew();

    /// <summary>Start-up milestones (ms since the supervisor's Main), written to supervisor.log
    /// for the benchmark work.</summary>
    private static void Mark(string what) =>
        Milestones.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Clock.Elapsed.TotalMilliseconds:F1} ms {what}"));

    /// <summary>Entry point of <c>labd supervise RUN_DIR</c> (args without "supervise").</summary>
    public static int Execute(string[] args)
    {
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: labd supervise RUN_DIR");
            return 2;
        }
        var paths = new RunPaths(Path.GetFullPath(args[0]));
        var plan = JsonSerializer.Deserialize(File.ReadAllText(paths.LaunchPlan), RunsJsonContext.Default.LaunchPlan)
            ?? throw new InvalidDataException("empty launch plan");
        if (!plan.Weakening.HasFlag(SandboxWeakening.InheritDescriptors))
        {
            // Whatever labd inherited or leaked (the escape suite plants fd 7) must not reach the chain.
            Fcntl.MarkAllCloseOnExecFrom3();
        }
        using var lockFile = Flock.Open(paths.Lock, create: true);
        if (!Flock.TryLockExclusive(lockFile))
        {
            Console.Error.WriteLine($"another supervisor holds {paths.Lock}");
            return 3;
        }
        // labd cancels a run with SIGTERM to this process; registered before the pid is published.
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
        {
            ctx.Cancel = true;
            CancelRequested.Set();
        });
        File.WriteAllText(paths.SupervisorPid, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Mark($"locked (process start {(DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds:F0} ms ago)");
        RunExit exit;
        try
        {
            exit = Run(plan, paths);
        }
        catch (Exception e)
        {
            // Still record an exit and free the uid below; the chain (if started) dies with us
            // through its parent-death signals, and the sweep removes whatever is left.
            var now = DateTimeOffset.UtcNow;
            exit = new RunExit(RunOutcome.SetupFailed, null, "supervisor error: " + e.Message, now, now, false);
        }
        WriteExit(paths, exit);
        Mark("exit recorded");
        if (!plan.Weakening.HasFlag(SandboxWeakening.NoUserSweep))
        {
            SandboxChain.SweepUser(plan.User.Uid, plan.User.Gid, plan.Weakening.HasFlag(SandboxWeakening.RealUidOnly));
        }
        _leaf?.Remove();
        File.Delete(plan.LeaseFile);
        Mark("uid swept, lease released");
        File.WriteAllLines(paths.SupervisorLog, Milestones);
        GC.KeepAlive(lockFile);
        return 0;
    }

    private static RunExit Run(LaunchPlan plan, RunPaths paths)
    {
        var startedAt = DateTimeOffset.UtcNow;
        using var log = new LogSink(paths.Log, plan.LogBytes);
        if (plan.Weakening != SandboxWeakening.None)
        {
            log.WriteLine($"[labd: WARNING: sandbox deliberately weakened for a negative control: {plan.Weakening}]");
        }
        // This thread enters the stage's private mount namespace, and it also starts the chain (below).
        using var stage = BindStage.Enter(paths.Binds);
        SandboxArguments arguments;
        try
        {
            arguments = SandboxArguments.Create(plan, BuildEnvironment(plan), stage);
        }
        catch (SandboxSetupException e)
        {
            log.WriteLine("[labd: sandbox refused: " + e.Message + "]");
            return new RunExit(RunOutcome.SetupFailed, null, e.Message, startedAt, DateTimeOffset.UtcNow, false);
        }

        Mark("arguments, descriptors and seccomp ready");
        SandboxChain chain;
        using (arguments)
        {
            chain = SandboxChain.Start(plan, paths, arguments, stage, EnterLimits(plan, log));
        }
        Mark("chain started");
        var pumps = Task.WhenAll(
            log.PumpAsync(chain.Process.StandardOutput.BaseStream, CancellationToken.None),
            log.PumpToolMessagesAsync(chain.Process.StandardError.BaseStream));
        try
        {
            chain.ReleaseGateAsync(GateTimeout, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is SandboxSetupException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            chain.KillAll();
            chain.Process.WaitForExit();
            log.WriteLine("[labd: sandbox setup failed: " + e.Message + "]");
            return new RunExit(RunOutcome.SetupFailed, null, e.Message, startedAt, DateTimeOffset.UtcNow, log.Truncated);
        }
        File.WriteAllText(paths.Started, "");
        Mark("rules installed, gate released");

        var outcome = WaitForEnd(plan, paths, chain);
        Mark("chain exited");
        pumps.Wait(TimeSpan.FromSeconds(5));
        Mark("log drained");
        var code = chain.Process.ExitCode;
        var oomKilled = (_leaf is { } leaf ? leaf.OomKills() : SupervisorLauncher.UnderSystemd ? CgroupLeaf.OwnOomKills() : 0) > 0;
        var message = RunEndText.Describe(outcome, code, oomKilled, plan.MemoryBytes, plan.TimeoutMilliseconds);
        if (message is not null)
        {
            log.WriteLine(RunEndText.LogPrefix + message + "]");
        }
        // A plain exit status is the exit code itself; the record's message is for what the code cannot say.
        return new RunExit(outcome, code, RunEndText.IsPlainExit(outcome, code, oomKilled) ? null : message, startedAt, DateTimeOffset.UtcNow, log.Truncated);
    }

    /// <summary>Waits for the target, the timeout or a SIGTERM to the supervisor (labd's cancel),
    /// whichever comes first; on the latter two: SIGTERM, bounded grace, SIGKILL of the sandbox.</summary>
    private static RunOutcome WaitForEnd(LaunchPlan plan, RunPaths paths, SandboxChain chain)
    {
        var exited = chain.Process.WaitForExitAsync();
        var deadline = plan.TimeoutMilliseconds is long ms ? Stopwatch.GetTimestamp() + (ms * Stopwatch.Frequency / 1000) : long.MaxValue;
        var outcome = RunOutcome.Exited;
        while (!exited.IsCompleted)
        {
            if (CancelRequested.IsSet)
            {
                outcome = RunOutcome.Cancelled;
                break;
            }
            if (Stopwatch.GetTimestamp() >= deadline)
            {
                outcome = RunOutcome.TimedOut;
                break;
            }
            exited.Wait(TimeSpan.FromMilliseconds(50));
        }
        if (outcome != RunOutcome.Exited)
        {
            chain.Terminate();
            if (!chain.Process.WaitForExit(TimeSpan.FromMilliseconds(outcome == RunOutcome.Cancelled ? CancelGrace(plan, paths) : plan.GraceMilliseconds)))
            {
                chain.KillAll();
            }
        }
        chain.Process.WaitForExit();
        return outcome;
    }

    /// <summary>The grace labd asked for with this cancel (<see cref="RunPaths.CancelGrace"/>), at most an hour; else the plan's.</summary>
    private static long CancelGrace(LaunchPlan plan, RunPaths paths)
    {
        try
        {
            if (File.Exists(paths.CancelGrace)
                && long.TryParse(File.ReadAllText(paths.CancelGrace).Trim(), System.Globalization.CultureInfo.InvariantCulture, out var ms)
                && ms is >= 0 and <= 3_600_000)
            {
                return ms;
            }
        }
        catch (IOException)
        {
        }
        return plan.GraceMilliseconds;
    }

    private static CgroupLeaf? _leaf;

    /// <summary>Without systemd (whose transient unit carries MemoryMax and TasksMax), memory and
    /// pids limits come from a cgroup leaf the supervisor makes; where none can be made, the log
    /// says the memory limit is not enforced (pids still are, by RLIMIT_NPROC).</summary>
    private static CgroupLeaf? EnterLimits(LaunchPlan plan, LogSink log)
    {
        if (SupervisorLauncher.UnderSystemd || plan.Weakening.HasFlag(SandboxWeakening.NoResourceLimits))
        {
            return null;
        }
        _leaf = CgroupLeaf.TryCreate(plan.RunId, plan.MemoryBytes, plan.Pids, out var unavailable);
        if (_leaf is null && unavailable is not null)
        {
            log.WriteLine($"[labd: no cgroup leaf for this run ({unavailable}); the memory limit is not enforced]");
        }
        return _leaf;
    }

    private static Dictionary<string, string> BuildEnvironment(LaunchPlan plan)
    {
        var env = new Dictionary<string, string>(plan.Environment, StringComparer.Ordinal);
        foreach (var (name, file) in plan.SecretFiles)
        {
            env[name] = File.ReadAllText(file).TrimEnd('\n');
        }
        return env;
    }

    /// <summary>tmp + fsync + rename, so a reader sees either no exit record or a whole one.</summary>
    internal static void WriteExit(RunPaths paths, RunExit exit)
    {
        var tmp = paths.Exit + ".tmp";
        using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, exit, RunsJsonContext.Default.RunExit);
            stream.Flush(flushToDisk: true);
        }
        File.Move(tmp, paths.Exit, overwrite: true);
    }
}
