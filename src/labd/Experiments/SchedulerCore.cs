namespace Labd.Experiments;

/// <summary>
/// The scheduler's policy as a pure function. Order: highest priority first; within a priority,
/// fair share: the submitter with the fewest running experiments, then the lab with the fewest,
/// then the oldest. A GPU job that does not fit the free GPUs reserves them: no job after it in
/// that order takes a GPU until it starts (so a 2-GPU job is not starved by a stream of 1-GPU
/// jobs), while jobs that need no GPU still run. A lab never holds more GPUs than its cap, nor a
/// GPU its policy's list form leaves out.
/// </summary>
internal static class SchedulerCore
{
    public static IReadOnlyList<StartDecision> Decide(SchedulerState state)
    {
        var leased = state.Running.SelectMany(r => r.GpuIds).Concat(state.LeasedElsewhere).ToHashSet();
        var free = new SortedSet<int>(state.Inventory.Where(g => !leased.Contains(g) && !state.ExternallyBusy.Contains(g)));
        bool Permits(string lab, int gpu) => !state.LabDevices.TryGetValue(lab, out var devices) || devices.Contains(gpu);
        int Usable(string lab) => state.Inventory.Count(g => !state.ExternallyBusy.Contains(g) && Permits(lab, g));
        var bySubmitter = new Dictionary<string, int>(StringComparer.Ordinal);
        var byLab = new Dictionary<string, int>(StringComparer.Ordinal);
        var labGpus = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var run in state.Running)
        {
            Add(bySubmitter, run.Submitter, 1);
            Add(byLab, run.Lab, 1);
            Add(labGpus, run.Lab, run.GpuIds.Count);
        }
        var slots = state.Slots - state.Running.Count;
        var waiting = state.Queued.ToList();
        var decisions = new List<StartDecision>();
        while (slots > 0 && waiting.Count > 0)
        {
            var ordered = waiting
                .OrderByDescending(j => j.Priority)
                .ThenBy(j => bySubmitter.GetValueOrDefault(j.Submitter))
                .ThenBy(j => byLab.GetValueOrDefault(j.Lab))
                .ThenBy(j => j.Id);
            QueuedJob? chosen = null;
            var reserved = false;
            foreach (var job in ordered)
            {
                if (job.Gpus == 0)
                {
                    chosen = job;
                    break;
                }
                var cap = state.LabCaps.GetValueOrDefault(job.Lab);
                if (reserved || labGpus.GetValueOrDefault(job.Lab) + job.Gpus > cap || job.Gpus > Usable(job.Lab))
                {
                    // Over its lab's cap or larger than this host: it waits without holding others back.
                    continue;
                }
                if (job.Gpus > free.Count(g => Permits(job.Lab, g)))
                {
                    reserved = true;
                    continue;
                }
                chosen = job;
                break;
            }
            if (chosen is null)
            {
                break;
            }
            var gpus = free.Where(g => Permits(chosen.Lab, g)).Take(chosen.Gpus).ToList();
            foreach (var g in gpus)
            {
                free.Remove(g);
            }
            decisions.Add(new StartDecision(chosen.Id, gpus));
            waiting.Remove(chosen);
            slots--;
            Add(bySubmitter, chosen.Submitter, 1);
            Add(byLab, chosen.Lab, 1);
            Add(labGpus, chosen.Lab, gpus.Count);
        }
        return decisions;
    }

    private static void Add(Dictionary<string, int> counts, string key, int n) => counts[key] = counts.GetValueOrDefault(key) + n;
}
