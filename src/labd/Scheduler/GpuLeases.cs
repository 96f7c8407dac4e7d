using Labd.Protocol;

namespace Labd.Scheduler;

/// <summary>
/// The one place a GPU is leased (issue 13): experiments (at the scheduler's decision), agent
/// turns and <c>labctl run</c> all lease here, through <see cref="Runs.RunRegistry.StartAsync"/>,
/// which no run bypasses. A lease is checked against the run's policy (how many, which) and
/// against what is held: a GPU is leased to one run at a time, never one that is missing or busy
/// outside labd. The table is labd's memory; after a restart it is rebuilt from the live runs'
/// launch plans. <c>gpu ls</c> reads it.
/// </summary>
internal sealed class GpuLeases(GpuInventory inventory, ExternalGpus external, bool bypassed = false)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, string> _holders = [];
    private Func<string, bool> _ended = _ => false;

    public GpuInventory Inventory => inventory;

    /// <summary>
    /// Test-only negative control (<c>LABD_TEST_GPU_LEASE_BYPASS=1</c> in labd's environment):
    /// nothing is checked or recorded, and <c>labctl run --gpus N</c> gets GPUs 0..N-1, as before
    /// this class existed. labd warns at start-up when it is set.
    /// </summary>
    public bool Bypassed => bypassed;

    /// <summary>
    /// How to tell that a holder's run has ended (<see cref="Runs.RunRegistry"/> says, from the
    /// run's exit record). An ended run's lease is dropped whenever the table is read, so a GPU is
    /// free the moment its run's end is on disk, whichever watcher notices the end first.
    /// </summary>
    public void TrackEnds(Func<string, bool> ended) => _ended = ended;

    /// <summary>GPUs in use by processes labd did not start.</summary>
    public IReadOnlySet<int> ExternallyBusy() => external.Busy();

    /// <summary>Who holds what right now: GPU index → run id.</summary>
    public IReadOnlyDictionary<int, string> Holders()
    {
        lock (_lock)
        {
            DropEnded();
            return new Dictionary<int, string>(_holders);
        }
    }

    /// <summary>
    /// Leases exactly <paramref name="gpus"/> to run <paramref name="runId"/>, or throws a
    /// <see cref="LabdException"/> that says why and changes nothing. Leasing again what the run
    /// already holds is a no-op (the scheduler leases at its decision, the launch confirms it).
    /// </summary>
    public void Acquire(string runId, IReadOnlyList<int> gpus, GpuAllowance allowance)
    {
        if (gpus.Count == 0 || bypassed)
        {
            return;
        }
        CheckCount(gpus.Count, allowance);
        if (gpus.FirstOrDefault(g => !allowance.Permits(g), -1) is var outside and >= 0)
        {
            throw new LabdException(ErrorCode.BadRequest, $"GPU {outside} is not one policy '{allowance.PolicyName}' allows ({allowance.Setting})");
        }
        var present = inventory.Present().ToHashSet();
        if (gpus.FirstOrDefault(g => !present.Contains(g), -1) is var missing and >= 0)
        {
            throw new LabdException(ErrorCode.Conflict, $"GPU {missing} is not on this host; see `labctl gpu ls`");
        }
        var busy = external.Busy();
        lock (_lock)
        {
            DropEnded();
            foreach (var gpu in gpus)
            {
                if (_holders.TryGetValue(gpu, out var holder) && holder != runId)
                {
                    throw new LabdException(ErrorCode.Conflict, $"GPU {gpu} is leased to another run; see `labctl gpu ls`");
                }
                if (busy.Contains(gpu) && !_holders.ContainsKey(gpu))
                {
                    throw new LabdException(ErrorCode.Conflict, $"GPU {gpu} is busy with a process labd did not start; see `labctl gpu ls`");
                }
            }
            foreach (var gpu in gpus)
            {
                _holders[gpu] = runId;
            }
        }
    }

    /// <summary>
    /// Leases <paramref name="count"/> GPUs of the free ones <paramref name="allowance"/> permits,
    /// lowest first, to run <paramref name="runId"/> (<c>labctl run --gpus N</c>): without waiting,
    /// like <c>srun --immediate</c>; queueing for GPUs is what experiments are for.
    /// </summary>
    public IReadOnlyList<int> AcquireAny(string runId, int count, GpuAllowance allowance)
    {
        if (count < 0)
        {
            throw new LabdException(ErrorCode.BadRequest, $"--gpus must be 0 or more, not {count}");
        }
        if (count == 0)
        {
            return [];
        }
        if (bypassed)
        {
            return [.. Enumerable.Range(0, count)];
        }
        CheckCount(count, allowance);
        var usable = inventory.Present().Where(allowance.Permits).ToList();
        if (count > usable.Count)
        {
            throw new LabdException(ErrorCode.Conflict, $"--gpus {count} can never start here: this host has {usable.Count} GPU{(usable.Count == 1 ? "" : "s")} that policy '{allowance.PolicyName}' allows ({allowance.Setting}); see `labctl gpu ls`");
        }
        var busy = external.Busy();
        lock (_lock)
        {
            DropEnded();
            var free = usable.Where(g => !_holders.ContainsKey(g) && !busy.Contains(g)).ToList();
            if (free.Count < count)
            {
                throw new LabdException(ErrorCode.Conflict,
                    $"--gpus {count}: only {free.Count} of the {usable.Count} GPU{(usable.Count == 1 ? "" : "s")} policy '{allowance.PolicyName}' allows {(free.Count == 1 ? "is" : "are")} free (the others are leased or busy; see `labctl gpu ls`); " +
                    "labctl run does not wait for GPUs: try again when one is free, or queue it as an experiment with `labctl exp run --gpus N`");
            }
            var chosen = free.Take(count).ToList();
            foreach (var gpu in chosen)
            {
                _holders[gpu] = runId;
            }
            return chosen;
        }
    }

    /// <summary>Puts back a lease found on disk after a restart: the run already holds the devices.</summary>
    public void Restore(string runId, IReadOnlyList<int> gpus)
    {
        lock (_lock)
        {
            foreach (var gpu in gpus)
            {
                _holders[gpu] = runId;
            }
        }
    }

    /// <summary>Ends run <paramref name="runId"/>'s lease, if any.</summary>
    public void Release(string runId)
    {
        lock (_lock)
        {
            foreach (var gpu in _holders.Where(h => h.Value == runId).Select(h => h.Key).ToList())
            {
                _holders.Remove(gpu);
            }
        }
    }

    private void DropEnded()
    {
        foreach (var (gpu, _) in _holders.Where(h => _ended(h.Value)).ToList())
        {
            _holders.Remove(gpu);
        }
    }

    private static void CheckCount(int count, GpuAllowance allowance)
    {
        if (count > allowance.Max)
        {
            throw new LabdException(ErrorCode.BadRequest, $"--gpus {count} is more than policy '{allowance.PolicyName}' allows per run ({allowance.Setting}); ask for fewer, or use a policy that allows more (`labctl policy ls`)");
        }
    }
}
