using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Labd.IntegrationTests.TestBed;

/// <summary>
/// The fake internet of ESCAPE-SUITE.md: netns <c>labdt-inet</c> behind a veth pair
/// (198.51.100.1 on the host side) with allowed.test (.10, HTTP and HTTPS from a test CA,
/// also serving vhost denied.test), denied.test (.20), "evil" (.66: TLS with any SNI, raw TCP
/// :22/:80/:8080, UDP :53/:443) and a logging DNS responder (.53); plus the host-side
/// canaries. Set-up deletes leftovers of a crashed run first; tear-down removes it all.
/// Without root (or ip, python3, openssl) every test using it skips, saying why.
/// </summary>
public sealed class FakeInternet : IAsyncLifetime
{
    public const string Namespace = "labdt-inet";

    public static readonly IPAddress HostSide = IPAddress.Parse("198.51.100.1");
    public static readonly IPAddress AllowedAddress = IPAddress.Parse("198.51.100.10");
    public static readonly IPAddress DeniedAddress = IPAddress.Parse("198.51.100.20");
    public static readonly IPAddress EvilAddress = IPAddress.Parse("198.51.100.66");
    public static readonly IPAddress DnsAddress = IPAddress.Parse("198.51.100.53");
    public static readonly IPAddress MetadataAddress = IPAddress.Parse("169.254.169.254");

    private readonly List<Process> _servers = [];

    public string Directory { get; } = "/tmp/labdt-inet";

    public string CaCertificatePath => Path.Combine(Directory, "ca.pem");

    public string AllowedLog => Path.Combine(Directory, "allowed.log");

    public string DeniedLog => Path.Combine(Directory, "denied.log");

    public string EvilLog => Path.Combine(Directory, "evil.log");

    public string DnsLog => Path.Combine(Directory, "dns.log");

    /// <summary>H_LOOP 127.0.0.1:18001, H_ANY 0.0.0.0:18002, H_V6 [::1]:18003, metadata 169.254.169.254:80.</summary>
    public string CanaryLog => Path.Combine(Directory, "canary.log");

    /// <summary>Why the test bed could not be built; null when it is up.</summary>
    public string? Unavailable { get; private set; }

    public X509Certificate2 CaCertificate { get; private set; } = null!;

    public void RequireAvailable()
    {
        if (Unavailable is not null)
        {
            Assert.Skip($"SKIPPED: fake internet unavailable: {Unavailable}");
        }
    }

    public async ValueTask InitializeAsync()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Unavailable = "needs root (network namespaces, veth)";
            return;
        }

        foreach (var tool in new[] { "ip", "python3", "openssl" })
        {
            if (!Environment.GetEnvironmentVariable("PATH")!.Split(':').Any(d => File.Exists(Path.Combine(d, tool))))
            {
                Unavailable = $"{tool} not installed";
                return;
            }
        }

        System.IO.Directory.CreateDirectory(Directory);
        KillLeftovers();
        foreach (var log in new[] { AllowedLog, DeniedLog, EvilLog, DnsLog, CanaryLog })
        {
            File.WriteAllText(log, "");
        }

        var script = Path.Combine(Directory, "labdt-testbed.py");
        await File.WriteAllTextAsync(script, TestBedScripts.Servers);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await RunAsync("bash", ["-c", TestBedScripts.Setup, "setup", Directory], timeout.Token);
        CaCertificate = X509CertificateLoader.LoadCertificateFromFile(CaCertificatePath);
        await StartServerAsync("ip", ["netns", "exec", Namespace, "python3", script, "inet", Directory], "inet", timeout.Token);
        await StartServerAsync("python3", [script, "canaries", Directory], "canaries", timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            server.Dispose();
        }

        if (Unavailable is null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await RunAsync("bash", ["-c", TestBedScripts.Teardown], timeout.Token);
        }

        CaCertificate?.Dispose();
    }

    private async Task StartServerAsync(string file, string[] args, string role, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        _servers.Add(process);
        await File.WriteAllTextAsync(Path.Combine(Directory, role + ".pid"), process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        while (await process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line == "READY")
            {
                return;
            }
        }

        throw new InvalidOperationException($"test bed server '{role}' exited before it was ready (exit {process.ExitCode})");
    }

    /// <summary>Ends servers of a crashed earlier run: only processes this fixture started,
    /// found by their pid files and checked by their command line.</summary>
    private void KillLeftovers()
    {
        foreach (var pidFile in System.IO.Directory.GetFiles(Directory, "*.pid"))
        {
            if (int.TryParse(File.ReadAllText(pidFile), out var pid))
            {
                try
                {
                    var cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
                    if (cmdline.Contains("labdt-testbed.py", StringComparison.Ordinal))
                    {
                        using var process = Process.GetProcessById(pid);
                        process.Kill(entireProcessTree: true);
                        process.WaitForExit(5000);
                    }
                }
                catch (Exception ex) when (ex is IOException or ArgumentException or InvalidOperationException or UnauthorizedAccessException)
                {
                    // Already gone.
                }
            }

            File.Delete(pidFile);
        }
    }

    private static async Task RunAsync(string file, string[] args, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} failed ({process.ExitCode}): {await stderr}{await stdout}");
        }
    }
}
