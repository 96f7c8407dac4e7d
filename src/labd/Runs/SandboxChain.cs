using System.Diagnostics;
using System.Globalization;
using CliWrap;
using CliWrap.Buffered;
using Labd.Interop;
using Microsoft.Win32.SafeHandles;

namespace Labd.Runs;

/// <summary>
/// One running launch chain:
/// <c>[prlimit] → setpriv (sandbox uid, parent-death SIGKILL) → rootlesskit (user + net ns,
/// slirp4netns) → gate → bwrap → target</c>. The gate is a shell that stops itself
/// (<c>kill -STOP $$</c>); while it is stopped the supervisor, as host root, installs the
/// netfilter rules into rootlesskit's network namespace with <c>nsenter iptables-restore</c>
/// (rootlesskit's child as the kernel reports it, held by a pidfd: <see cref="SandboxChild"/>)
/// and only then continues it. So the target never runs without its rules and never holds a
/// capability over them. Inside, bwrap execs a second gate (<see cref="MountGate"/>) that stops
/// itself too: while it is stopped the supervisor checks every bind (<see cref="MountCheck"/>),
/// and only then continues it into the target.
/// </summary>
internal sealed class SandboxChain
{
    /// <summary>Gate script: stop until the supervisor has installed the rules, then exec bwrap
    /// with an empty environment, so bwrap (pid 1 inside, whose /proc/1/environ the target can
    /// read) carries no ROOTLESSKIT_* or labd variables.</summary>
    /// <remarks>Its first step points stderr at stdout, so everything from bwrap on (the target's
    /// stdout and stderr, in order) travels on the chain's stdout, and the chain's stderr carries
    /// only the launch tools' own messages (rootlesskit, slirp4netns).</remarks>
    internal const string Gate = "exec 2>&1; kill -STOP $$; exec /usr/bin/env -i \"$@\"";
    internal const string WeakGate = "exec 2>&1; kill -STOP $$; exec \"$@\"";

    /// <summary>What bwrap execs inside the sandbox: bash reads the target's argv (NUL-separated)
    /// from the inherited descriptor named by its first argument, closes it, points stdin at the
    /// file named by its second argument (if any) and execs the target, so the target's argv is
    /// on no command line of the chain (issue 13); SHLVL, which bash adds, does not reach the
    /// target.</summary>
    internal const string Launch = "fd=$1; mapfile -d '' -t argv <&\"$fd\" || exit 125; exec {fd}<&-; "
        + "if [ -n \"$2\" ]; then exec <\"$2\" || exit 125; fi; unset fd SHLVL; exec \"${argv[@]}\"";

    /// <summary>The gate inside the sandbox, exec'd by bwrap after it has set up the mounts: it
    /// stops itself, and the same process then becomes the target (<see cref="Launch"/>).</summary>
    internal const string MountGate = "kill -STOP $$; " + Launch;

    /// <summary>The mount gate with the target's argv as its own arguments, as before issue 13
    /// (<see cref="SandboxWeakening.ArgvOnCommandLines"/>, for negative controls: it ignores
    /// <see cref="LaunchPlan.StandardInput"/>).</summary>
    internal const string ArgvMountGate = "kill -STOP $$; exec \"$@\"";
    internal const string MountGateName = "labd-mount-gate";

    /// <summary>Writes its own pid to each cgroup.procs file given before <c>--</c>, then execs the rest.</summary>
    internal const string EnterCgroup = "while [ \"$1\" != -- ]; do echo $$ > \"$1\" || exit 125; shift; done; shift; exec \"$@\"";

    private readonly LaunchPlan _plan;
    private readonly RunPaths _paths;
    private readonly IReadOnlyList<MountExpectation>? _mounts;
    private int _gatePid;
    private SandboxChild? _child;
    private SafeFileHandle? _gate;

    private SandboxChain(LaunchPlan plan, RunPaths paths, Process process, IReadOnlyList<MountExpectation>? mounts)
    {
        _plan = plan;
        _paths = paths;
        Process = process;
        _mounts = mounts;
    }

    /// <summary>The chain's first process (rootlesskit's parent after exec).</summary>
    public Process Process { get; }

    /// <summary>Starts the chain. Call from a thread that lives as long as the run: the
    /// parent-death signal fires when the thread that forked exits.</summary>
    public static SandboxChain Start(LaunchPlan plan, RunPaths paths, SandboxArguments arguments, BindStage stage, CgroupLeaf? leaf = null)
    {
        if (stage.ThreadId != Environment.CurrentManagedThreadId)
        {
            // Only the stage's thread is in the namespace where the staged binds exist.
            throw new InvalidOperationException("the chain must be started on the thread that entered the bind stage");
        }
        var weak = plan.Weakening;
        var psi = new ProcessStartInfo
        {
            FileName = "/usr/bin/prlimit",
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        var args = psi.ArgumentList;
        if (leaf is not null)
        {
            // The chain's first process enters the run's cgroup leaf before it execs anything, so
            // every later fork (rootlesskit, slirp4netns, the target) is born inside it.
            psi.FileName = "/bin/sh";
            foreach (var a in new[] { "-c", EnterCgroup, "labd-cgroup" }.Concat(leaf.ProcsFiles).Append("--").Append("/usr/bin/prlimit"))
            {
                args.Add(a);
            }
        }
        if (plan.Pids is int pids && !weak.HasFlag(SandboxWeakening.NoResourceLimits))
        {
            // RLIMIT_NPROC counts processes per real uid; each live sandbox has its own host uid,
            // so this is a per-sandbox limit (it also covers rootlesskit and slirp4netns).
            args.Add(string.Create(CultureInfo.InvariantCulture, $"--nproc={pids}:{pids}"));
        }
        args.Add("--");
        args.Add("/usr/bin/setpriv");
        foreach (var a in new[] { "--reuid", plan.User.Uid.ToString(CultureInfo.InvariantCulture), "--regid", plan.User.Gid.ToString(CultureInfo.InvariantCulture), "--clear-groups" })
        {
            args.Add(a);
        }
        if (!weak.HasFlag(SandboxWeakening.NoDieWithParent))
        {
            args.Add("--pdeathsig");
            args.Add("KILL");
        }
        args.Add("--");
        args.Add("/usr/bin/rootlesskit");
        args.Add("--net=slirp4netns");
        if (!weak.HasFlag(SandboxWeakening.NoDisableHostLoopback))
        {
            args.Add("--disable-host-loopback");
        }
        foreach (var a in new[] { "--port-driver=none", "--slirp4netns-sandbox=auto", "--slirp4netns-seccomp=auto", "--state-dir", paths.RootlesskitState, "--" })
        {
            args.Add(a);
        }
        args.Add("/bin/sh");
        args.Add("-c");
        args.Add(weak.HasFlag(SandboxWeakening.InheritEnvironment) ? WeakGate : Gate);
        args.Add("labd-gate");
        args.Add("/usr/bin/bwrap");
        args.Add("--args");
        args.Add(arguments.ArgsDescriptorNumber);
        args.Add("--");
        var mounts = weak.HasFlag(SandboxWeakening.NoMountCheck) ? null : arguments.Mounts.ToList();
        foreach (var a in LauncherArguments(plan, arguments, check: mounts is not null))
        {
            args.Add(a);
        }
        if (!weak.HasFlag(SandboxWeakening.InheritEnvironment))
        {
            psi.Environment.Clear();
            psi.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        }
        var process = Process.Start(psi) ?? throw new SandboxSetupException("could not start prlimit");
        process.StandardInput.Close();
        return new SandboxChain(plan, paths, process, mounts);
    }

    /// <summary>What follows bwrap's <c>--</c>: the launcher and the number of the descriptor
    /// holding the target's argv (the mount gate when mounts are checked); weakened, the target's
    /// argv itself.</summary>
    private static IEnumerable<string> LauncherArguments(LaunchPlan plan, SandboxArguments arguments, bool check)
    {
        if (!plan.Weakening.HasFlag(SandboxWeakening.ArgvOnCommandLines))
        {
            return ["/bin/bash", "-c", check ? MountGate : Launch, MountGateName, arguments.CommandDescriptorNumber, plan.StandardInput ?? ""];
        }
        return check ? ["/bin/bash", "-c", ArgvMountGate, MountGateName, .. plan.Command] : plan.Command;
    }

    /// <summary>Waits for the gate to stop, installs the network rules from outside and
    /// continues the gate. Throws <see cref="SandboxSetupException"/> if anything fails; the
    /// caller then kills the chain, so the target never starts without rules.</summary>
    public async Task ReleaseGateAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        var token = cts.Token;
        if (_plan.Weakening.HasFlag(SandboxWeakening.TrustChildPidFile))
        {
            await FindGateByPidFileAsync(token);
        }
        else
        {
            // The kernel's view of the supervisor's own rootlesskit, never rk/child_pid (SandboxChild).
            while ((_child ??= SandboxChild.TryFind(Process.Id)) is not { } child || (_gate = child.TryFindStoppedGate(out _gatePid)) is null)
            {
                await PollAsync(token);
            }
        }
        if (!_plan.Weakening.HasFlag(SandboxWeakening.NoNetworkRules))
        {
            await Task.WhenAll(
                RestoreAsync("iptables-restore", _plan.IPv4Rules, token),
                RestoreAsync("ip6tables-restore", _plan.IPv6Rules, token));
        }
        if (_gate is not null)
        {
            Pidfd.Send(_gate, Signals.SIGCONT);
        }
        else
        {
            Signals.Send(_gatePid, Signals.SIGCONT);
        }
        if (_mounts is null)
        {
            return;
        }
        int mountGate;
        while ((mountGate = StoppedMountGate()) == 0)
        {
            await PollAsync(token);
        }
        MountCheck.Verify(mountGate, _mounts);
        Signals.Send(mountGate, Signals.SIGCONT);
    }

    /// <summary>The mount gate once it has stopped itself (nothing else under bwrap runs before it continues).</summary>
    private int StoppedMountGate()
    {
        foreach (var pid in ProcessTree.Descendants(_gatePid))
        {
            if (ProcessTree.State(pid) == 'T' && IsMountGate(pid))
            {
                return pid;
            }
        }
        return 0;
    }

    private static bool IsMountGate(int pid)
    {
        try
        {
            var argv = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
            return argv.Length > 3 && argv[0] == "/bin/bash" && argv[1] == "-c" && argv[2] is MountGate or ArgvMountGate && argv[3] == MountGateName;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private async Task RestoreAsync(string tool, string rules, CancellationToken cancellationToken)
    {
        var result = await Cli.Wrap("/usr/bin/nsenter")
            .WithArguments([$"--net={_child?.NetworkPath ?? $"/proc/{_gatePid}/ns/net"}", "--", tool])
            .WithStandardInputPipe(PipeSource.FromString(rules))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new SandboxSetupException($"{tool} in the sandbox's network namespace failed ({result.ExitCode}): {result.StandardError.Trim()}");
        }
    }

    /// <summary>SIGTERM to the target (every process under bwrap); the sandbox's own reaper
    /// (pid 1 inside) ignores it.</summary>
    public void Terminate()
    {
        var init = SandboxInit();
        if (init <= 0)
        {
            return;
        }
        foreach (var pid in ProcessTree.Descendants(init).Prepend(init))
        {
            Signals.Send(pid, Signals.SIGTERM);
        }
    }

    /// <summary>SIGKILL the sandbox's pid-namespace init (the kernel then kills everything in the
    /// namespace) and the chain's first process (rootlesskit, which takes slirp4netns along).</summary>
    public void KillAll()
    {
        var init = SandboxInit();
        if (init > 0)
        {
            Signals.Send(init, Signals.SIGKILL);
        }
        if (_gate is not null)
        {
            Pidfd.Send(_gate, Signals.SIGKILL);
        }
        else if (_gatePid > 0)
        {
            Signals.Send(_gatePid, Signals.SIGKILL);
        }
        if (!Process.HasExited)
        {
            Signals.Send(Process.Id, Signals.SIGKILL);
        }
    }

    /// <summary>After the chain has exited: kill anything still holding the sandbox uid (real,
    /// effective, saved or filesystem) or its gid (<see cref="ProcessTree.Holding"/>); a pool uid
    /// belongs to exactly one live sandbox, so these are this run's leftovers or a foreign process
    /// (a set-user-ID leftover) that must not meet the next sandbox given the uid.</summary>
    public static int SweepUser(int uid, int? gid = null, bool realUidOnly = false)
    {
        // Sweeping root would kill the host (labd, sshd, a CI runner): only ever a pool uid.
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(uid);
        if (gid is int g)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(g);
        }
        var killed = 0;
        for (var round = 0; round < 50; round++)
        {
            var left = ProcessTree.Holding(uid, gid, realUidOnly);
            if (left.Count == 0)
            {
                break;
            }
            foreach (var pid in left)
            {
                killed += Signals.Send(pid, Signals.SIGKILL) ? 1 : 0;
            }
            Thread.Sleep(20);
        }
        return killed;
    }

    private int SandboxInit()
    {
        var children = _gatePid > 0 ? ProcessTree.Children(_gatePid) : [];
        return children.Count > 0 ? children[0] : 0;
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        if (Process.HasExited)
        {
            throw new SandboxSetupException($"the sandbox chain exited ({Process.ExitCode}) before the target started; see {_paths.Log}");
        }
        await Task.Delay(2, cancellationToken);
    }

    /// <summary>The old trust, kept only for the negative control of the supervisor-trust test:
    /// whichever pid <c>rk/child_pid</c> (the sandbox user's file) names, re-read until its first
    /// child has stopped, is taken for rootlesskit's child and its namespaces entered.</summary>
    private async Task FindGateByPidFileAsync(CancellationToken cancellationToken)
    {
        var childPidFile = Path.Combine(_paths.RootlesskitState, "child_pid");
        while (true)
        {
            if (TryReadPid(childPidFile, out var childPid) && childPid > 0)
            {
                var children = ProcessTree.Children(childPid);
                var gate = children.Count > 0 ? children[0] : 0;
                if (gate > 0 && ProcessTree.State(gate) == 'T')
                {
                    _gatePid = gate;
                    return;
                }
            }
            await PollAsync(cancellationToken);
        }
    }

    private static bool TryReadPid(string path, out int pid)
    {
        pid = 0;
        try
        {
            return int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out pid);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
