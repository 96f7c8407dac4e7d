using System.Diagnostics;

namespace Labctl.Doctor;

/// <summary>Runs a short probe program with a time limit and collects what it printed.</summary>
internal static class ProgramRunner
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    public static async Task<ProbeResult> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            // A probe that drops privileges may not be able to enter the caller's directory.
            WorkingDirectory = "/",
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {program}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            return new ProbeResult(-1, $"{Path.GetFileName(program)} did not finish within {Limit.TotalSeconds:0}s");
        }
        var output = ((await stderr.ConfigureAwait(false)) + (await stdout.ConfigureAwait(false))).Trim();
        return new ProbeResult(process.ExitCode, output);
    }
}
