using System.Globalization;
using Labd.Hosting;
using Labd.Runs;
using Labd.SandboxPolicy.Config;

namespace Labd.Experiments;

/// <summary>
/// Removes what ended runs leave on disk once they ended <c>limits.collectAfter</c> ago (labd.yaml;
/// default 14 days): materialised experiment trees (<c>labs/&lt;lab&gt;/experiments/&lt;id&gt;/tree</c>)
/// of experiments whose record is terminal, and run directories with an exit record and no live
/// supervisor (experiments, agent turns, plain runs). Removal is by descriptor
/// (<see cref="TreeRemoval"/>); a running experiment's tree and a live run are never touched; the
/// records, final metrics and events stay in the database. Sweeps run an hour after start (after
/// re-adopted runs were harvested), then hourly, and on every reload (SIGHUP): collection is about
/// age, so a periodic sweep is its natural clock.
/// </summary>
internal sealed class Collector(LabdSettings settings, ExperimentStore experiments, ExperimentRunner runner, RunRegistry registry, ILogger<Collector> logger)
    : BackgroundService, IReloadable
{
    private static readonly TimeSpan Period = TimeSpan.FromHours(1);

    private readonly SemaphoreSlim _sweeping = new(1, 1);

    /// <summary>Whether something that ended at <paramref name="endedAt"/> is due at <paramref name="now"/>.</summary>
    public static bool Due(DateTimeOffset? endedAt, DateTimeOffset now, TimeSpan after) =>
        after > TimeSpan.Zero && endedAt is { } ended && now - ended >= after;

    async Task IReloadable.ReloadAsync(LabdConfig config, CancellationToken cancellationToken) =>
        await SweepAsync(config.Limits.CollectAfter, cancellationToken).ConfigureAwait(false);

    /// <summary>One sweep; returns how many trees and run directories were removed.</summary>
    public async Task<(int Trees, int Runs)> SweepAsync(TimeSpan after, CancellationToken cancellationToken)
    {
        if (after <= TimeSpan.Zero)
        {
            ExperimentLog.CollectionOff(logger);
            return (0, 0);
        }
        await _sweeping.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = DateTimeOffset.UtcNow;
            var trees = await CollectTreesAsync(now, after, cancellationToken).ConfigureAwait(false);
            var runs = CollectRuns(now, after);
            ExperimentLog.Collected(logger, trees, runs, after);
            return (trees, runs);
        }
        finally
        {
            _sweeping.Release();
        }
    }

    public override void Dispose()
    {
        _sweeping.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await SweepAsync(settings.Current.Limits.CollectAfter, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                ExperimentLog.NotCollected(logger, runner.LabsDirectory, e.Message);
            }
        }
    }

    private async Task<int> CollectTreesAsync(DateTimeOffset now, TimeSpan after, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(runner.LabsDirectory))
        {
            return 0;
        }
        var collected = 0;
        foreach (var lab in Directory.EnumerateDirectories(runner.LabsDirectory))
        {
            var root = Path.Combine(lab, "experiments");
            if (!Directory.Exists(root))
            {
                continue;
            }
            foreach (var dir in Directory.EnumerateDirectories(root))
            {
                if (!long.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                    || await experiments.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { IsTerminal: true } record
                    || !Due(record.EndedAt, now, after))
                {
                    continue;
                }
                var tree = runner.TreeOf(record.Lab, id);
                if (!Directory.Exists(tree))
                {
                    continue;
                }
                collected += Remove(tree, () => TreeRemoval.Delete(tree));
            }
        }
        return collected;
    }

    private int CollectRuns(DateTimeOffset now, TimeSpan after)
    {
        var collected = 0;
        foreach (var run in registry.All)
        {
            // Lost runs get a fresh end time each time they are looked at: they are never due.
            if (run.TryGetExit() is { Outcome: not RunOutcome.Lost } exit && Due(exit.EndedAt, now, after) && !run.IsSupervisorAlive())
            {
                collected += Remove(run.Paths.Directory, () => registry.Collect(run));
            }
        }
        return collected;
    }

    private int Remove(string path, Action remove)
    {
        try
        {
            remove();
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            ExperimentLog.NotCollected(logger, path, e.Message);
            return 0;
        }
    }
}
