using System.Diagnostics;

namespace Labd.IntegrationTests.Sandbox;

/// <summary>A host process a test starts as a canary (argv, signals); killed with its tree on dispose.</summary>
internal sealed class HostProcess : IDisposable
{
    private readonly Process _process;

    public HostProcess(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        _process = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + file);
    }

    public bool HasExited => _process.HasExited;

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}
