using Labd.Hosting;
using Labd.Store;

namespace Labd.Runs;

/// <summary>
/// Readies sandboxed runs before labd reports READY: state layout and modes, sandbox users,
/// re-adoption of the runs that outlived the previous labd. Stopping labd leaves runs alone:
/// each has a detached supervisor, and a later labd re-adopts it.
/// </summary>
internal sealed class RunsStartup(RunService runs, StateStore store, DaemonInfo info) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The state dir becomes 0711 (sandbox users traverse it to runs/<id>/rk); the records stay private.
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            if (File.Exists(store.DatabasePath + suffix))
            {
                File.SetUnixFileMode(store.DatabasePath + suffix, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        await runs.InitializeAsync(cancellationToken).ConfigureAwait(false);
        info.Capabilities.Add("runs");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
