using System.Diagnostics;
using System.Net.Http.Json;
using Labd.IntegrationTests.Daemon;
using Labd.IntegrationTests.TestBed;
using Labd.Interop;
using Labd.Protocol;

namespace Labd.IntegrationTests.Runs;

/// <summary>
/// A real labd with a temp policy directory (<c>default</c>: the work dir rw, allowed.test:443,
/// denied.test refused by a deny rule), the fake internet's DNS as the proxy's upstream, and a
/// work directory holding the fake internet's CA, from which labctl runs.
/// </summary>
internal sealed class RunsBed : IAsyncDisposable
{
    public const string PolicyYaml = """
        description: runs API tests
        files:
          ${WORKTREE}: rw
        network:
          allow:
            - allowed.test:443
          deny:
            - denied.test
        """;

    private RunsBed(TestDir dir, LabdProcess labd)
    {
        Dir = dir;
        Labd = labd;
    }

    public TestDir Dir { get; }

    public LabdProcess Labd { get; private set; }

    public string Work => Dir["work"];

    public string CaFile => Path.Combine(Work, "ca.pem");

    public static async Task<RunsBed> StartAsync(FakeInternet inet, CancellationToken cancellationToken)
    {
        Root.Require("labd creates sandbox users and runs sandboxes as root");
        inet.RequireAvailable();
        await TestAccounts.EnsureAsync(cancellationToken);
        // rootlesskit opens /dev/net/tun as the sandbox user (see SandboxFixture).
        Chmod.Set("/dev/net/tun", 0b110_110_110);
        var dir = new TestDir();
        Directory.CreateDirectory(dir["policies"]);
        await File.WriteAllTextAsync(dir["policies/default.yaml"], PolicyYaml, cancellationToken);
        Directory.CreateDirectory(dir["work"]);
        File.SetUnixFileMode(dir["work"], (UnixFileMode)0b111_101_101);
        File.Copy(inet.CaCertificatePath, Path.Combine(dir["work"], "ca.pem"));
        File.SetUnixFileMode(Path.Combine(dir["work"], "ca.pem"), (UnixFileMode)0b110_100_100);
        Directory.CreateDirectory(dir["dev"]);
        var config = $"""
            policyDir: {dir["policies"]}
            groups:
              users: {TestAccounts.UsersGroup}
              admins: {TestAccounts.AdminsGroup}
            gpus:
              deviceDir: {dir["dev"]}
            egress:
              upstreamDns: {FakeInternet.DnsAddress}:53
            """;
        var labd = LabdProcess.Start(dir, config);
        await labd.WaitUntilAnsweringAsync(cancellationToken);
        return new RunsBed(dir, labd);
    }

    /// <summary>labctl, as root, in the work directory.</summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> LabctlAsync(IEnumerable<string> args, CancellationToken cancellationToken) =>
        CollectAsync(StartLabctl(args), cancellationToken);

    /// <summary>Starts labctl, as root, in the work directory, with stdout and stderr redirected.</summary>
    public Process StartLabctl(IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "labctl"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Work,
        };
        start.ArgumentList.Add("--socket");
        start.ArgumentList.Add(Labd.SocketPath);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        return Process.Start(start)!;
    }

    public static async Task<(int ExitCode, string Stdout, string Stderr)> CollectAsync(Process process, CancellationToken cancellationToken)
    {
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            return (process.ExitCode, await stdout, await stderr);
        }
    }

    /// <summary>Starts a run over the API, as root, in the work directory.</summary>
    public async Task<RunRecord> StartRunAsync(IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        using var client = Labd.Client();
        using var response = await client.PostAsJsonAsync(Routes.Runs, new RunStartRequest(command, Work), ProtocolJsonContext.Default.RunStartRequest, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"POST /v1/runs: {(int)response.StatusCode} {body}\n{Labd.Output}");
        return System.Text.Json.JsonSerializer.Deserialize(body, ProtocolJsonContext.Default.RunRecord)!;
    }

    /// <summary>A fifo named <paramref name="name"/> in the work directory that a run blocks on
    /// (<c>read line &lt; GATE</c>) until the test writes to it; the work directory is opened to the
    /// sandbox's ids so the run can create its own marker files beside it.</summary>
    public async Task<string> CreateGateAsync(string name, CancellationToken cancellationToken)
    {
        var gate = Path.Combine(Work, name);
        await Command.CheckedAsync("mkfifo", ["-m", "0666", gate], cancellationToken);
        File.SetUnixFileMode(Work, (UnixFileMode)0b111_111_111);
        return gate;
    }

    /// <summary>kill -9 labd (its runs' supervisors live on), then start a new labd on the same state.</summary>
    public async Task CrashAndRestartAsync(CancellationToken cancellationToken)
    {
        Labd.Signal(9);
        await Labd.WaitForExitAsync(cancellationToken);
        await Labd.DisposeAsync();
        Labd = LabdProcess.Start(Dir);
        await Labd.WaitUntilAnsweringAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await Labd.DisposeAsync();
        Dir.Dispose();
    }
}
