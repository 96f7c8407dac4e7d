using System.Globalization;
using System.Runtime.InteropServices;
using Labd.Interop;
using Labd.Logging;
using Labd.SandboxPolicy.Config;

namespace Labd.Hosting;

/// <summary>
/// Type=notify semantics (sd_notify(3), systemd.service(5)): READY=1 once the API answers,
/// RELOADING=1 + MONOTONIC_USEC= → reload → READY=1 on SIGHUP (Type=notify-reload, systemd ≥ 253),
/// STOPPING=1 on shutdown, WATCHDOG=1 at half of WATCHDOG_USEC.
/// </summary>
internal sealed class SystemdLifecycle(
    SdNotifier notifier,
    LabdSettings settings,
    LabdArguments arguments,
    DaemonInfo info,
    IEnumerable<IReloadable> reloadables,
    IHostApplicationLifetime lifetime,
    ILogger<SystemdLifecycle> logger) : IHostedService, IDisposable
{
    private readonly SemaphoreSlim _reloadGate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TimeSpan? _watchdogInterval = ReadWatchdogInterval();
    private PosixSignalRegistration? _sighup;
    private Task _watchdog = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            LabdLog.Started(logger, info.Version, settings.Socket, settings.StateDir);
            Notify($"READY=1\nSTATUS={ReadyStatus()}\nMAINPID={Environment.ProcessId}");
        });
        lifetime.ApplicationStopping.Register(() =>
        {
            LabdLog.Stopping(logger);
            Notify("STOPPING=1\nSTATUS=Stopping");
        });
        Interop.Signals.RestoreDefault(Interop.Signals.SIGHUP);
        _sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            // Reload instead of the default action (terminate).
            context.Cancel = true;
            _ = Task.Run(() => ReloadAsync(_stopping.Token), CancellationToken.None);
        });
        if (_watchdogInterval is { } interval)
        {
            LabdLog.WatchdogEnabled(logger, (long)interval.TotalMilliseconds);
            _watchdog = PingWatchdogAsync(interval, _stopping.Token);
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _sighup?.Dispose();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _watchdog.ConfigureAwait(false);
    }

    public void Dispose()
    {
        _sighup?.Dispose();
        _stopping.Dispose();
        _reloadGate.Dispose();
    }

    /// <summary>Reloads labd.yaml, then every <see cref="IReloadable"/>; a failure is logged and the old state stays in force.</summary>
    internal async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await _reloadGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Notify($"RELOADING=1\nMONOTONIC_USEC={MonotonicClock.NowMicroseconds().ToString(CultureInfo.InvariantCulture)}\nSTATUS=Reloading configuration");
            LabdLog.Reloading(logger, arguments.ConfigPath);
            var failures = new List<string>();
            try
            {
                settings.Reload();
                if (settings.RestartNeeded)
                {
                    LabdLog.RestartNeeded(logger, settings.Socket, settings.StateDir);
                }
            }
            catch (ConfigException e)
            {
                failures.Add(e.Message);
            }
            foreach (var reloadable in reloadables)
            {
                try
                {
                    await reloadable.ReloadAsync(settings.Current, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    failures.Add($"{reloadable.GetType().Name}: {e.Message}");
                }
            }
            foreach (var failure in failures)
            {
                LabdLog.ReloadFailed(logger, failure);
            }
            var status = failures.Count == 0
                ? ReadyStatus()
                : "Reload failed, previous configuration in force: " + string.Join("; ", failures).ReplaceLineEndings(" ");
            Notify($"READY=1\nSTATUS={status}");
        }
        catch (OperationCanceledException)
        {
            // Shutting down mid-reload; STOPPING=1 follows.
        }
        finally
        {
            _reloadGate.Release();
        }
    }

    private string ReadyStatus() => $"Listening on {settings.Socket}";

    private async Task PingWatchdogAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            do
            {
                Notify("WATCHDOG=1");
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private void Notify(string state)
    {
        try
        {
            notifier.Notify(state);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            LabdLog.NotifyFailed(logger, e.Message);
        }
    }

    /// <summary>sd_watchdog_enabled(3): WATCHDOG_USEC, for us when WATCHDOG_PID is unset or our pid. Clears both.</summary>
    private static TimeSpan? ReadWatchdogInterval()
    {
        var usec = Environment.GetEnvironmentVariable("WATCHDOG_USEC");
        var pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        Environment.SetEnvironmentVariable("WATCHDOG_USEC", null);
        Environment.SetEnvironmentVariable("WATCHDOG_PID", null);
        var forUs = pid is null || pid == Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        return forUs && long.TryParse(usec, NumberStyles.None, CultureInfo.InvariantCulture, out var micro) && micro > 0
            ? TimeSpan.FromMicroseconds(micro / 2.0)
            : null;
    }
}
