using System.Globalization;
using Labd.Interop;
using Microsoft.Win32.SafeHandles;

namespace Labd.Runs;

/// <summary>
/// rootlesskit's child (the process that owns the sandbox's user and network namespaces) as the
/// kernel reports it, never as a file the sandbox uid can write says (rootlesskit's
/// <c>--state-dir</c> is the sandbox user's, so its <c>child_pid</c> is not evidence). It is the
/// direct child of the supervisor's own rootlesskit that lives in a user and a network namespace
/// other than the host's (slirp4netns, rootlesskit's other child, stays in the host's network
/// namespace). It is held by a pidfd, and its network namespace by an open descriptor taken while
/// that pidfd showed it alive: root enters that descriptor, so a pid reused in between cannot
/// redirect it.
/// </summary>
internal sealed class SandboxChild : IDisposable
{
    private SandboxChild(int pid, SafeFileHandle pidfd, SafeFileHandle network)
    {
        Pid = pid;
        Handle = pidfd;
        Network = network;
    }

    public int Pid { get; }

    /// <summary>The child's pidfd.</summary>
    public SafeFileHandle Handle { get; }

    /// <summary>The child's network namespace (an open <c>/proc/PID/ns/net</c>).</summary>
    public SafeFileHandle Network { get; }

    /// <summary>What root passes to <c>nsenter --net=</c>: this process's own descriptor of the
    /// namespace, which nothing the sandbox can do changes.</summary>
    public string NetworkPath => string.Create(CultureInfo.InvariantCulture, $"/proc/{Environment.ProcessId}/fd/{Network.DangerousGetHandle()}");

    /// <summary>The verified child of <paramref name="rootlesskitPid"/> (the supervisor's own child,
    /// so its pid cannot be reused while the chain runs), or null while there is none yet.</summary>
    public static SandboxChild? TryFind(int rootlesskitPid)
    {
        var hostNetwork = Namespace("/proc/self/ns/net");
        var hostUser = Namespace("/proc/self/ns/user");
        foreach (var pid in ProcessTree.Children(rootlesskitPid))
        {
            var pidfd = Pidfd.TryOpen(pid);
            if (pidfd is null)
            {
                continue;
            }
            SafeFileHandle? network = null;
            try
            {
                network = File.OpenHandle($"/proc/{pid}/ns/net", FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                var verified = ProcessTree.Parent(pid) == rootlesskitPid
                    && Namespace($"/proc/self/fd/{network.DangerousGetHandle()}") is { } net && net != hostNetwork
                    && Namespace($"/proc/{pid}/ns/user") is { } user && user != hostUser
                    // Still alive after every read above, so the pid was not reused: they were all of this process.
                    && Pidfd.Send(pidfd, 0);
                if (verified)
                {
                    return new SandboxChild(pid, pidfd, network);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone between the listing and the open: not it.
            }
            network?.Dispose();
            pidfd.Dispose();
        }
        return null;
    }

    /// <summary>The gate (<see cref="SandboxChain.Gate"/>) once it has stopped itself: a stopped
    /// direct child of this child, held by a pidfd; null until then.</summary>
    public SafeFileHandle? TryFindStoppedGate(out int gatePid)
    {
        foreach (var pid in ProcessTree.Children(Pid))
        {
            if (ProcessTree.State(pid) != 'T' || Pidfd.TryOpen(pid) is not { } pidfd)
            {
                continue;
            }
            if (ProcessTree.Parent(pid) == Pid && ProcessTree.State(pid) == 'T' && Pidfd.Send(pidfd, 0))
            {
                gatePid = pid;
                return pidfd;
            }
            pidfd.Dispose();
        }
        gatePid = 0;
        return null;
    }

    /// <summary>A namespace's identity (<c>net:[4026531840]</c>), or null when the process is gone.</summary>
    private static string? Namespace(string link)
    {
        try
        {
            return new FileInfo(link).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        Network.Dispose();
        Handle.Dispose();
    }
}
