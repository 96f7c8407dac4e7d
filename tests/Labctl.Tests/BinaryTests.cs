using System.Diagnostics;
using Labctl.Doctor.Checks;
using Labctl.Tests.Support;
using Labd.Protocol;

namespace Labctl.Tests;

/// <summary>
/// The real labctl executable (the Native AOT build when LABCTL_BIN names one): trimming or
/// AOT breakage shows up here, not in the in-process tests.
/// </summary>
public sealed class BinaryTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 30000)]
    public async Task The_binary_prints_help_with_the_exit_code_table()
    {
        var result = await LabctlBinary.RunAsync(new Dictionary<string, string>(), TestContext.Current.CancellationToken, "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("  3   labd unreachable", result.Out, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task The_binary_prints_status_json_verbatim_and_a_table()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.Status, CannedResponse.Json(Documents.Status));
        var environment = new Dictionary<string, string> { ["LABD_SOCKET"] = daemon.SocketPath };

        var json = await LabctlBinary.RunAsync(environment, ct, "status", "-o", "json");
        var table = await LabctlBinary.RunAsync(environment, ct, "status");

        Assert.Equal(Documents.Status + "\n", json.Out);
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("You are    admin (uid 0, root)\n", table.Out, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task The_binary_maps_a_problem_to_its_exit_code()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.Version, CannedResponse.Problem(409, "conflict", "busy"));

        var result = await LabctlBinary.RunAsync(new Dictionary<string, string>(), ct, "version", "--socket", daemon.SocketPath);

        Assert.Equal(ExitCodes.Conflict, result.ExitCode);
        Assert.Equal("labctl: busy (conflict)\n", result.Error);
    }

    [Fact(Timeout = 30000)]
    public async Task The_binary_without_labd_prints_its_version_and_exits_3()
    {
        var result = await LabctlBinary.RunAsync(new Dictionary<string, string>(), TestContext.Current.CancellationToken, "version", "--socket", _dir.Combine("none.sock"));

        Assert.Equal(ExitCodes.DaemonUnreachable, result.ExitCode);
        Assert.StartsWith("Client  0.1.0", result.Out, StringComparison.Ordinal);
        Assert.Contains("is labd running?", result.Error, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task Doctor_binary_fails_without_bwrap_and_with_a_0600_tun_device_and_passes_once_both_are_fixed()
    {
        Assert.SkipUnless(Environment.UserName == "root", "needs root: mknod of a char device 10,200 as a fake /dev/net/tun");
        var ct = TestContext.Current.CancellationToken;
        using var host = new FakeHost().Healthy();
        var tun = host.Path("/dev/net/tun");
        File.Delete(tun);
        await RunAsync("mknod", ct, tun, "c", "10", "200");
        File.SetUnixFileMode(tun, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var realPath = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin";
        var withoutBwrap = PathWithout("bwrap", realPath);
        string[] args = ["doctor", "--root", host.Root, "--socket", host.SocketPath];

        var broken = await LabctlBinary.RunAsync(new Dictionary<string, string> { ["PATH"] = withoutBwrap }, ct, args);

        Assert.True(broken.ExitCode == ExitCodes.Failure, broken.ToString());
        var rows = DoctorTable.Parse(broken.Out);
        Assert.Equal("fail", rows["bwrap"].Status);
        Assert.Equal(("fail", $"{tun} mode 0600; sandbox users cannot open it (needs 0666)"), rows[TunCheck.Name]);
        Assert.Contains("apt-get install -y bubblewrap", broken.Out, StringComparison.Ordinal);
        Assert.Contains($"chmod 0666 {tun}", broken.Out, StringComparison.Ordinal);

        File.SetUnixFileMode(tun, (UnixFileMode)0b110_110_110);
        await using var daemon = new FakeDaemon(host.SocketPath).Answer(Routes.Status, CannedResponse.Json(Documents.ReadyStatus));
        var fixedHost = await LabctlBinary.RunAsync(new Dictionary<string, string> { ["PATH"] = realPath }, ct, args);

        rows = DoctorTable.Parse(fixedHost.Out);
        Assert.Equal("ok", rows["bwrap"].Status);
        Assert.Equal(("ok", $"{tun} mode 0666"), rows[TunCheck.Name]);
        Assert.Equal("ok", rows[SocketCheck.Name].Status);
        // What is left depends on this machine's packages and kernel; the exit code must agree with it.
        var failed = rows.Where(r => r.Value.Status == "fail").Select(r => r.Key).ToList();
        Assert.True(fixedHost.ExitCode == (failed.Count == 0 ? 0 : 1), $"failed: {string.Join(", ", failed)}\n{fixedHost}");
    }

    [Fact(Timeout = 30000)]
    public async Task A_socket_the_caller_may_not_open_exits_4_and_doctor_says_which_group_to_join()
    {
        Assert.SkipUnless(Environment.UserName == "root", "needs root: runs labctl as nobody with setpriv(1)");
        var ct = TestContext.Current.CancellationToken;
        File.SetUnixFileMode(_dir.Path, (UnixFileMode)0b111_001_001);
        await using var daemon = new FakeDaemon(_dir.Combine("labd.sock")).Answer(Routes.Status, CannedResponse.Json(Documents.Status));
        File.SetUnixFileMode(daemon.SocketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var environment = new Dictionary<string, string> { ["LABD_SOCKET"] = daemon.SocketPath };

        var status = await LabctlBinary.RunAsNobodyAsync(environment, ct, "status");
        var doctor = await LabctlBinary.RunAsNobodyAsync(environment, ct, "doctor");

        Assert.True(status.ExitCode == ExitCodes.PermissionDenied, status.ToString());
        Assert.Equal($"labctl: permission denied on {daemon.SocketPath}; {CliContext.GroupHint}\n", status.Error);
        Assert.Equal("fail", DoctorTable.Parse(doctor.Out)[SocketCheck.Name].Status);
        Assert.Contains("usermod -aG labd nobody", doctor.Out, StringComparison.Ordinal);
        Assert.Empty(daemon.Requests);
    }

    /// <summary>A directory of symlinks to every program on <paramref name="path"/> except <paramref name="program"/>.</summary>
    private string PathWithout(string program, string path)
    {
        var bin = _dir.Combine("path-without-" + program);
        Directory.CreateDirectory(bin);
        foreach (var directory in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Where(Directory.Exists))
        {
            foreach (var file in Directory.EnumerateFiles(directory))
            {
                var link = Path.Join(bin, Path.GetFileName(file));
                if (Path.GetFileName(file) != program && !Path.Exists(link))
                {
                    File.CreateSymbolicLink(link, file);
                }
            }
        }
        Assert.False(File.Exists(Path.Join(bin, program)));
        return bin;
    }

    private static async Task RunAsync(string program, CancellationToken cancellationToken, params string[] args)
    {
        using var process = Process.Start(program, args);
        await process.WaitForExitAsync(cancellationToken);
        Assert.Equal(0, process.ExitCode);
    }
}
