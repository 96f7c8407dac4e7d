using Labd.Runs;

namespace Labd.IntegrationTests.Sandbox;

/// <summary>A finished sandboxed run: its exit record and its output log.</summary>
internal sealed record SandboxResult(Run Run, RunExit Exit, string Log)
{
    /// <summary>The value of a <c>NAME=VALUE</c> line the probe or script printed.</summary>
    public string? Value(string name) =>
        Log.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(name + "=", StringComparison.Ordinal))?[(name.Length + 1)..];

    public override string ToString() => $"{Exit.Outcome} {Exit.ExitCode} {Exit.Message}\n{Log}";
}
