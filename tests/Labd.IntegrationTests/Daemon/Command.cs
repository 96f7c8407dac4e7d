using System.Diagnostics;

namespace Labd.IntegrationTests.Daemon;

/// <summary>Runs a short-lived program and captures what it printed.</summary>
internal static class Command
{
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string file, IEnumerable<string> args, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        return CollectAsync(Process.Start(start)!, cancellationToken);
    }

    public static async Task<string> CheckedAsync(string file, IEnumerable<string> args, CancellationToken cancellationToken)
    {
        var list = args.ToList();
        var (exit, stdout, stderr) = await RunAsync(file, list, cancellationToken);
        if (exit != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', list)} exited {exit}: {stderr}");
        }
        return stdout;
    }

    /// <summary>Waits for <paramref name="process"/> (started with stdout and stderr redirected) and disposes of it;
    /// on cancellation kills its whole tree.</summary>
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
}
