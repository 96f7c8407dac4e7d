using Labd.IntegrationTests.Daemon;

namespace Labd.IntegrationTests.Policy;

/// <summary>The real labctl binary (copied next to the tests), run as a separate process.</summary>
internal static class Labctl
{
    public static string BinaryPath => Path.Combine(AppContext.BaseDirectory, "labctl");

    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string? socket, IEnumerable<string> args, CancellationToken cancellationToken) =>
        Command.RunAsync(BinaryPath, socket is null ? args : ["--socket", socket, .. args], cancellationToken);
}
