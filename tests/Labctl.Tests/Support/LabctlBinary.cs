using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Labctl.Tests.Support;

/// <summary>
/// Runs the real labctl executable: the Native AOT build named by LABCTL_BIN (scripts/test
/// publishes one), else the apphost built beside these tests.
/// </summary>
internal static class LabctlBinary
{
    public static string Path
    {
        get
        {
            var fromEnvironment = Environment.GetEnvironmentVariable("LABCTL_BIN");
            if (!string.IsNullOrEmpty(fromEnvironment))
            {
                return File.Exists(fromEnvironment) ? fromEnvironment : throw new FileNotFoundException("LABCTL_BIN names no file", fromEnvironment);
            }
            return System.IO.Path.Join(AppContext.BaseDirectory, "labctl");
        }
    }

    public static Task<CliResult> RunAsync(IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken, params string[] args) =>
        RunProcessAsync(Path, args, environment, cancellationToken);

    /// <summary>Runs labctl as uid/gid 65534 with no supplementary groups (needs root and setpriv(1)).</summary>
    public static Task<CliResult> RunAsNobodyAsync(IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken, params string[] args) =>
        RunProcessAsync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", Path, .. args], environment, cancellationToken);

    private static async Task<CliResult> RunProcessAsync(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        // The apphost finds the runtime through DOTNET_ROOT when PATH has no dotnet.
        info.Environment["DOTNET_ROOT"] = System.IO.Path.GetFullPath(System.IO.Path.Join(RuntimeEnvironment.GetRuntimeDirectory(), "../../.."));
        info.Environment.Remove("NO_COLOR");
        info.Environment.Remove("LABD_SOCKET");
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}
