namespace Labd.Experiments;

/// <summary>Everything one scheduling decision depends on.</summary>
/// <param name="Inventory">Host GPU indices.</param>
/// <param name="ExternallyBusy">GPUs in use by processes labd did not start.</param>
/// <param name="Running">Running experiments and their GPUs.</param>
/// <param name="Queued">Queued experiments.</param>
/// <param name="LabCaps">Per lab: the most GPUs it may hold at once (its policy's <c>gpus:</c>).</param>
/// <param name="Slots">Most experiments running at once (the sandbox pool size).</param>
internal sealed record SchedulerState(
    IReadOnlyList<int> Inventory,
    IReadOnlySet<int> ExternallyBusy,
    IReadOnlyList<RunningJob> Running,
    IReadOnlyList<QueuedJob> Queued,
    IReadOnlyDictionary<string, int> LabCaps,
    int Slots)
{
    /// <summary>Per lab: the only GPUs it may lease (its policy's list form, <c>gpus: [0, 1]</c>);
    /// a lab not named here may lease any.</summary>
    public IReadOnlyDictionary<string, IReadOnlySet<int>> LabDevices { get; init; } = new Dictionary<string, IReadOnlySet<int>>();

    /// <summary>GPUs leased to runs that are not experiments (<c>labctl run --gpus</c>): not free, until they end.</summary>
    public IReadOnlySet<int> LeasedElsewhere { get; init; } = new HashSet<int>();
}
