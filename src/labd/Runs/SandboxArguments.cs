using System.Globalization;
using System.Text;
using Labd.Interop;
using Labd.SandboxPolicy;
using Microsoft.Win32.SafeHandles;

namespace Labd.Runs;

/// <summary>
/// The bwrap options for one sandbox, with the descriptors they refer to: bind sources pinned
/// with openat2(RESOLVE_NO_SYMLINKS) by the (root) supervisor and staged where the sandbox uid can
/// reach them (<see cref="BindStage"/>), the seccomp program and the
/// options themselves (<c>--args FD</c>, so /proc/1/cmdline inside shows only
/// <c>bwrap --args N -- launcher</c>), and the target's argv (<see cref="CommandDescriptor"/>,
/// read inside the sandbox by <see cref="SandboxChain.Launch"/>), so neither the options nor the
/// target's argv (an agent's prompt) is on any launch process's command line, which every local
/// user can read in <c>ps</c> (issue 13). The descriptors are inheritable; bwrap closes each
/// one it uses and the launcher closes the argv's, so the target starts with fds 0–2 only
/// (escape suite B11). Built only inside the single-purpose supervisor process, never in labd,
/// so no other child can inherit them.
/// </summary>
internal sealed class SandboxArguments : IDisposable
{
    public const int TargetUid = 1000;

    private readonly List<SafeFileHandle> _descriptors = [];
    private readonly List<string> _args = [];
    private readonly List<MountExpectation> _mounts = [];
    private readonly BindStage _stage;

    public SafeFileHandle ArgsDescriptor { get; }

    /// <summary>The target's argv, each argument followed by a NUL.</summary>
    public SafeFileHandle CommandDescriptor { get; }

    private SandboxArguments(LaunchPlan plan, IReadOnlyDictionary<string, string> environment, BindStage stage)
    {
        _stage = stage;
        try
        {
            Build(plan, environment);
            ArgsDescriptor = Keep(MemfdCreate.CreateWithContent("labd-bwrap-args", NulSeparated(_args), inheritable: true));
            CommandDescriptor = Keep(MemfdCreate.CreateWithContent("labd-target-argv", NulSeparated(plan.Command), inheritable: true));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Pins the bind sources and builds the options; throws <see cref="SandboxSetupException"/>
    /// when a policy path cannot be bound safely.</summary>
    public static SandboxArguments Create(LaunchPlan plan, IReadOnlyDictionary<string, string> environment, BindStage stage) => new(plan, environment, stage);

    /// <summary>The options as bwrap will read them (for diagnostics and tests).</summary>
    public IReadOnlyList<string> Options => _args;

    public string ArgsDescriptorNumber => Number(ArgsDescriptor);

    public string CommandDescriptorNumber => Number(CommandDescriptor);

    /// <summary>The policy's binds as they must be found inside the sandbox before the target runs
    /// (<see cref="MountCheck"/>).</summary>
    public IReadOnlyList<MountExpectation> Mounts => _mounts;

    private void Build(LaunchPlan plan, IReadOnlyDictionary<string, string> environment)
    {
        var weak = plan.Weakening;
        Add("--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try");
        if (!weak.HasFlag(SandboxWeakening.SharePidNamespace))
        {
            Add("--unshare-pid");
        }
        if (!weak.HasFlag(SandboxWeakening.NoNestedUserNamespace))
        {
            var id = weak.HasFlag(SandboxWeakening.RootWithCapabilities) ? "0" : TargetUid.ToString(CultureInfo.InvariantCulture);
            Add("--unshare-user", "--disable-userns", "--uid", id, "--gid", id);
        }
        if (!weak.HasFlag(SandboxWeakening.RootWithCapabilities))
        {
            Add("--cap-drop", "ALL");
        }
        if (!weak.HasFlag(SandboxWeakening.NoNewSession))
        {
            Add("--new-session");
        }
        if (!weak.HasFlag(SandboxWeakening.NoDieWithParent))
        {
            Add("--die-with-parent");
        }
        Add("--hostname", "labd-sandbox");
        if (!weak.HasFlag(SandboxWeakening.InheritEnvironment))
        {
            Add("--clearenv");
        }
        foreach (var (name, value) in environment)
        {
            Add("--setenv", name, value);
        }
        if (!weak.HasFlag(SandboxWeakening.NoSeccomp))
        {
            Add("--seccomp", Number(Keep(SeccompProfile.Export(inheritable: true))));
        }

        AddSystemMounts(plan);
        foreach (var device in plan.DeviceNodes)
        {
            Add("--dev-bind", device, "/dev/" + Path.GetFileName(device));
        }
        AddFileRules(plan);
        Add("--ro-bind", plan.LabDirectory, "/run/lab");
        // An experiment's metrics and progress files (labd made them, owned by the target) are
        // the only writable entries under /run/lab.
        foreach (var name in new[] { RunPaths.MetricsFileName, RunPaths.ProgressFileName })
        {
            if (File.Exists(Path.Combine(plan.LabDirectory, name)))
            {
                Add("--bind", Path.Combine(plan.LabDirectory, name), "/run/lab/" + name);
            }
        }
        Add("--remount-ro", "/");
        Add("--chdir", plan.WorkingDirectory);
    }

    private void AddSystemMounts(LaunchPlan plan)
    {
        Add("--ro-bind", "/usr", "/usr");
        foreach (var dir in new[] { "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32" })
        {
            var info = new FileInfo(dir);
            if (info.LinkTarget is { } target)
            {
                Add("--symlink", target, dir);
            }
            else if (Directory.Exists(dir))
            {
                Add("--ro-bind", dir, dir);
            }
        }
        Add("--ro-bind", "/etc", "/etc");
        if (Directory.Exists("/etc/labd"))
        {
            Add("--ro-bind", plan.EmptyDirectory, "/etc/labd");
        }
        Add("--proc", "/proc", "--dev", "/dev");
        // bwrap's /dev is an unsized tmpfs, so /dev/shm in it could fill half the host's memory
        // (escape suite P2): it gets its own sized tmpfs, like /tmp.
        foreach (var dir in new[] { "/tmp", "/dev/shm" })
        {
            if (!plan.Weakening.HasFlag(SandboxWeakening.NoResourceLimits))
            {
                Add("--size", plan.TmpBytes.ToString(CultureInfo.InvariantCulture));
            }
            Add("--perms", "1777", "--tmpfs", dir);
        }
    }

    private void AddFileRules(LaunchPlan plan)
    {
        var bound = new List<(string Path, bool ReadOnly)>();
        foreach (var rule in plan.Files)
        {
            if (!plan.Weakening.HasFlag(SandboxWeakening.NoAncestorPins) && !plan.Weakening.HasFlag(SandboxWeakening.PathStringBinds))
            {
                PinAncestors(rule, bound);
            }
            if (rule.Mode == AccessMode.Hidden)
            {
                AddHidden(plan, rule.Path, bound);
                continue;
            }
            var readOnly = rule.Mode == AccessMode.ReadOnly;
            if (plan.Weakening.HasFlag(SandboxWeakening.PathStringBinds))
            {
                Add(readOnly ? "--ro-bind-try" : "--bind-try", rule.Path, rule.Path);
                bound.Add((rule.Path, readOnly));
                continue;
            }
            if (BindPinned(rule.Path, readOnly, rule) is false)
            {
                continue;
            }
            bound.Add((rule.Path, readOnly));
        }
    }

    /// <summary>Binds <paramref name="path"/> from a descriptor opened without following symlinks and
    /// staged where the sandbox uid can reach it; false when it does not exist.</summary>
    private bool BindPinned(string path, bool readOnly, PlannedFile rule)
    {
        using var fd = OpenAt2.TryOpenPathNoSymlinks(path, inheritable: false, out var errno);
        if (fd is null)
        {
            if (errno == Errno.ENOENT)
            {
                return false;
            }
            throw new SandboxSetupException(errno == Errno.ELOOP
                ? $"'{path}' is a symbolic link or has one among its parents; refusing to bind it (rule {rule.Path}: {rule.Mode})"
                : $"cannot open '{path}' for binding: {new System.ComponentModel.Win32Exception(errno).Message}");
        }
        _mounts.Add(new MountExpectation(path, FileStatus.Mounted(fd), readOnly, $"{rule.Path}: {rule.Mode}"));
        Add(readOnly ? "--ro-bind-fd" : "--bind-fd", Number(Keep(_stage.Stage(fd, path))), path);
        return true;
    }

    /// <summary>
    /// A ro or hidden rule below a rw rule is a mount, and a mount moves with its directory: an
    /// agent could rename an ancestor away (the protected file goes with it) and put a fake at
    /// the rule's path, which the host and the next run then see (escape suite B4). Each
    /// directory between the rw rule and the protected path is bound onto itself, rw as before;
    /// rename(2) and rmdir(2) of a mount point fail with EBUSY.
    /// </summary>
    private void PinAncestors(PlannedFile rule, List<(string Path, bool ReadOnly)> bound)
    {
        if (rule.Mode == AccessMode.ReadWrite)
        {
            return;
        }
        var parents = bound.Where(b => IsUnder(rule.Path, b.Path)).ToList();
        if (parents.Count == 0)
        {
            return;
        }
        var nearest = parents.MaxBy(b => b.Path.Length);
        if (nearest.ReadOnly)
        {
            return;
        }
        var ancestors = new List<string>();
        for (var dir = Path.GetDirectoryName(rule.Path); dir is not null && dir.Length > nearest.Path.TrimEnd('/').Length; dir = Path.GetDirectoryName(dir))
        {
            ancestors.Add(dir);
        }
        ancestors.Reverse();
        foreach (var dir in ancestors)
        {
            if (!BindPinned(dir, readOnly: false, rule))
            {
                return;
            }
            bound.Add((dir, false));
        }
    }

    /// <summary>A hidden path under a bound parent is covered with an empty, root-owned,
    /// read-only placeholder of the same kind; elsewhere it is simply never mounted.</summary>
    private void AddHidden(LaunchPlan plan, string path, List<(string Path, bool ReadOnly)> bound)
    {
        if (!bound.Any(parent => IsUnder(path, parent.Path)))
        {
            return;
        }
        var info = new FileInfo(path);
        if (info.LinkTarget is not null)
        {
            throw new SandboxSetupException($"hidden path '{path}' is a symbolic link; refusing to start (it may have been planted by a previous run)");
        }
        var placeholder = Directory.Exists(path) ? plan.EmptyDirectory : info.Exists ? plan.EmptyFile : null;
        if (placeholder is null)
        {
            return;
        }
        using (var fd = OpenAt2.TryOpenPathNoSymlinks(placeholder, inheritable: false, out var errno)
            ?? throw new SandboxSetupException($"cannot open the placeholder '{placeholder}': {new System.ComponentModel.Win32Exception(errno).Message}"))
        {
            _mounts.Add(new MountExpectation(path, FileStatus.Mounted(fd), ReadOnly: true, $"{path}: hidden"));
        }
        Add("--ro-bind", placeholder, path);
    }

    private static bool IsUnder(string path, string parent) =>
        parent == "/" || path.StartsWith(parent.TrimEnd('/') + "/", StringComparison.Ordinal);

    private static byte[] NulSeparated(IEnumerable<string> args)
    {
        var text = new StringBuilder();
        foreach (var arg in args)
        {
            text.Append(arg).Append('\0');
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private SafeFileHandle Keep(SafeFileHandle fd)
    {
        _descriptors.Add(fd);
        return fd;
    }

    private void Add(params string[] args) => _args.AddRange(args);

    private static string Number(SafeFileHandle fd) =>
        fd.DangerousGetHandle().ToInt32().ToString(CultureInfo.InvariantCulture);

    public void Dispose()
    {
        foreach (var fd in _descriptors)
        {
            fd.Dispose();
        }
        _descriptors.Clear();
    }
}
