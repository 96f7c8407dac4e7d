using Labd.Interop;
using Labd.Runs;

namespace Labd.IntegrationTests.Sandbox;

/// <summary>
/// <see cref="MountCheck"/> against a real mount namespace: bwrap (as root, no labd) binds
/// <c>ro/</c> read-only and <c>rw/</c> writable and sleeps; the check then looks at that
/// process's binds through <c>/proc/PID/root</c>. Each wrong expectation stands for one way a
/// swap during set-up can misplace a bind (escape suite B6), and each must be refused.
/// </summary>
[Collection(SandboxTestGroup.Name)]
public sealed class MountCheckTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine("/tmp", "labdt-mnt-" + Guid.NewGuid().ToString("N")[..8]);
    private System.Diagnostics.Process? _bwrap;

    private string Ro => Path.Combine(_root, "ro");
    private string Rw => Path.Combine(_root, "rw");
    private string Plain => Path.Combine(_root, "rw", "plain");

    public ValueTask InitializeAsync()
    {
        SandboxFixture.Require();
        foreach (var dir in new[] { Ro, Rw, Plain })
        {
            Directory.CreateDirectory(dir);
        }
        File.CreateSymbolicLink(Path.Combine(Rw, "link"), "../ro");
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        if (_bwrap is { HasExited: false })
        {
            _bwrap.Kill(entireProcessTree: true);
            _bwrap.WaitForExit();
        }
        _bwrap?.Dispose();
        Directory.Delete(_root, recursive: true);
        return ValueTask.CompletedTask;
    }

    private static MountedFile Identity(string path)
    {
        using var fd = OpenAt2.TryOpenPathNoSymlinks(path, inheritable: false, out var errno) ?? throw new IOException($"open {path}: errno {errno}");
        return FileStatus.Mounted(fd);
    }

    /// <summary>Starts the bwrap sandbox and returns the pid of its sleep (inside its mount namespace).</summary>
    private async Task<int> StartAsync(CancellationToken ct)
    {
        _bwrap = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/usr/bin/bwrap",
            ["--ro-bind", "/", "/", "--bind", Rw, Rw, "--ro-bind", Ro, Ro, "--unshare-pid", "--dev", "/dev", "--", "/bin/sleep", "60"]))!;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var sleeper = ProcessTree.Descendants(_bwrap.Id).FirstOrDefault(p => ReadComm(p) == "sleep");
            if (sleeper > 0)
            {
                return sleeper;
            }
            await Task.Delay(20, ct);
        }
        throw new TimeoutException("bwrap's sleep did not start");
    }

    private static string ReadComm(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    private MountExpectation Ro_ => new(Ro, Identity(Ro), ReadOnly: true, "ro: ro");
    private MountExpectation Rw_ => new(Rw, Identity(Rw), ReadOnly: false, "rw: rw");

    [Fact(Timeout = 60_000)]
    public async Task The_planned_binds_pass()
    {
        var pid = await StartAsync(TestContext.Current.CancellationToken);
        MountCheck.Verify(pid, [Ro_, Rw_]);
    }

    [Fact(Timeout = 60_000)]
    public async Task Another_directory_at_the_destination_is_refused()
    {
        var pid = await StartAsync(TestContext.Current.CancellationToken);
        var e = Assert.Throws<SandboxSetupException>(() => MountCheck.Verify(pid, [Rw_, Ro_ with { Source = Identity(Rw) }]));
        Assert.Contains("not the pinned source", e.Message, StringComparison.Ordinal);
        Assert.Contains("refusing to start", e.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task The_right_directory_without_its_own_mount_is_refused()
    {
        // rw/plain is visible (through rw's bind) but was never bound itself: a bind that landed elsewhere.
        var pid = await StartAsync(TestContext.Current.CancellationToken);
        var e = Assert.Throws<SandboxSetupException>(() => MountCheck.Verify(pid, [new MountExpectation(Plain, Identity(Plain), false, "plain: rw")]));
        Assert.Contains("not as its own mount", e.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_writable_mount_where_the_rule_says_read_only_is_refused()
    {
        var pid = await StartAsync(TestContext.Current.CancellationToken);
        var e = Assert.Throws<SandboxSetupException>(() => MountCheck.Verify(pid, [Rw_ with { ReadOnly = true }]));
        Assert.Contains("writable, the rule says read-only", e.Message, StringComparison.Ordinal);
        // The other way round grants less than the policy, and passes.
        MountCheck.Verify(pid, [Ro_ with { ReadOnly = false }]);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_symlink_on_the_destination_path_is_never_followed()
    {
        // rw/link -> ../ro: following it would find ro's mount root with ro's identity, and pass.
        var pid = await StartAsync(TestContext.Current.CancellationToken);
        var e = Assert.Throws<SandboxSetupException>(() => MountCheck.Verify(pid, [Ro_ with { Path = Path.Combine(Rw, "link") }]));
        Assert.Contains("symbolic link", e.Message, StringComparison.Ordinal);
    }
}
