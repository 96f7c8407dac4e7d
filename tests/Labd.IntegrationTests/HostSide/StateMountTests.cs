using Labd.IntegrationTests.Daemon;
using Labd.IntegrationTests.TestBed;

namespace Labd.IntegrationTests.HostSide;

/// <summary>
/// Escape suite, host side (H15): a set-user-ID-root program in labd's state directory (what a
/// sandbox could leave there were anything to let it through) must not elevate a local user. labd
/// binds the state directory onto itself nosuid,nodev at start-up in the host's mount namespace.
/// The negative control is the same program in the same directory before labd has started.
/// </summary>
public sealed class StateMountTests
{
    [Fact(Timeout = 120_000)]
    public async Task H15_a_setuid_root_program_in_the_state_directory_does_not_elevate_once_labd_has_started_and_restarts_stack_no_mounts()
    {
        var ct = TestContext.Current.CancellationToken;
        Root.Require("labd mounts its state directory");
        using var dir = new TestDir();
        await using var user = await NewUser.AddAsync(ct, "users");
        var state = dir["state"];
        Directory.CreateDirectory(state);
        Interop.Chmod.Set(state, 0b111_001_001);
        var program = Path.Combine(state, "id-suid");
        File.Copy("/usr/bin/id", program);
        Interop.Chmod.Set(program, 0b100_111_101_101);

        // Negative control: before labd, the filesystem honours the bit.
        var before = await user.ShAsync(program, new Dictionary<string, string>(), ct);
        Assert.Contains("euid=0(root)", before.Stdout, StringComparison.Ordinal);

        await using (var labd = LabdProcess.Start(dir))
        {
            await labd.WaitUntilAnsweringAsync(ct);
        }
        var after = await user.ShAsync(program, new Dictionary<string, string>(), ct);
        Assert.Equal(0, after.ExitCode);
        Assert.DoesNotContain("euid=0", after.Stdout, StringComparison.Ordinal);
        Assert.Contains($"uid={user.Uid}", after.Stdout, StringComparison.Ordinal);
        var options = (await Command.CheckedAsync("findmnt", ["-no", "OPTIONS", "--mountpoint", state], ct)).Trim();
        Assert.Contains("nosuid", options.Split(','));
        Assert.Contains("nodev", options.Split(','));

        // A restart (and the unit's ExecStartPre before it) finds the mount in place: still one.
        Assert.Contains("already", (await Command.CheckedAsync(LabdProcess.BinaryPath, ["mount-state", "--config", dir["labd.yaml"], "--state-dir", state], ct)), StringComparison.Ordinal);
        await using (var labd = LabdProcess.Start(dir))
        {
            await labd.WaitUntilAnsweringAsync(ct);
        }
        Assert.Single(TestDir.MountsUnder(state));
    }
}
