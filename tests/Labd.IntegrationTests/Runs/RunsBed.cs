using System.Diagnostics;
using System.Net.Http.Json;
using Labd.IntegrationTests.Daemon;
using Labd.IntegrationTests.TestBed;
using Labd.Protocol;

namespace Labd.IntegrationTests.Runs;

/// <summary>
/// A real labd with a temp policy directory (<c>default</c>: the work dir rw, allowed.test:443,
/// denied.test refused by a deny rule), the fake internet's DNS as the proxy's upstream, and a
/// work directory holding the fake internet's CA, from which labctl runs.
/// </summary>
internal sealed class RunsBed : LabdBed
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

    private RunsBed(Started started)
        : base(started)
    {
    }

    public string Work => Dir["work"];

    public string CaFile => Path.Combine(Work, "ca.pem");

    public static async Task<RunsBed> StartAsync(FakeInternet inet, CancellationToken cancellationToken)
    {
        Root.Require("labd creates sandbox users and runs sandboxes as root");
        inet.RequireAvailable();
        return new(await LaunchAsync(PolicyYaml, cancellationToken, fakeGpus: 0, prepare: dir =>
        {
            Directory.CreateDirectory(dir["work"]);
            File.SetUnixFileMode(dir["work"], (UnixFileMode)0b111_101_101);
            File.Copy(inet.CaCertificatePath, Path.Combine(dir["work"], "ca.pem"));
            File.SetUnixFileMode(Path.Combine(dir["work"], "ca.pem"), (UnixFileMode)0b110_100_100);
        }, extraConfig: _ => $"""
            egress:
              upstreamDns: {FakeInternet.DnsAddress}:53
            """));
    }

    /// <summary>labctl, as root, in the work directory.</summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> LabctlAsync(IEnumerable<string> args, CancellationToken cancellationToken) =>
        Command.CollectAsync(StartLabctl(args), cancellationToken);

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
}
