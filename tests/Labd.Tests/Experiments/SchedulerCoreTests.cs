using Labd.Experiments;

namespace Labd.Tests.Experiments;

public sealed class SchedulerCoreTests
{
    private static readonly Dictionary<string, int> Caps = new(StringComparer.Ordinal) { ["a"] = 8, ["b"] = 8 };

    private static SchedulerState State(int gpus, IReadOnlyList<RunningJob> running, IReadOnlyList<QueuedJob> queued, IReadOnlyDictionary<string, int>? caps = null, IReadOnlySet<int>? busy = null, int slots = 8) =>
        new([.. Enumerable.Range(0, gpus)], busy ?? new HashSet<int>(), running, queued, caps ?? Caps, slots);

    [Fact]
    public void Jobs_start_oldest_first_on_the_lowest_free_gpus()
    {
        var decisions = SchedulerCore.Decide(State(4, [], [new(1, "a", "u1", 1, 0), new(2, "a", "u1", 2, 0)]));
        Assert.Equal([new StartDecision(1, [0]), new StartDecision(2, [1, 2])], decisions, DecisionComparer.Instance);
    }

    [Fact]
    public void Higher_priority_starts_first_even_when_younger()
    {
        var decisions = SchedulerCore.Decide(State(1, [], [new(1, "a", "u1", 1, 0), new(2, "a", "u2", 1, 5)]));
        Assert.Equal(2, Assert.Single(decisions).Id);
    }

    [Fact]
    public void Fair_share_prefers_the_submitter_with_fewer_running_experiments()
    {
        // u1 already runs one and queued first; u2 gets the only free GPU.
        var decisions = SchedulerCore.Decide(State(2, [new(10, "a", "u1", [0])], [new(1, "a", "u1", 1, 0), new(2, "a", "u2", 1, 0)]));
        Assert.Equal(2, Assert.Single(decisions).Id);
    }

    [Fact]
    public void One_submitter_flooding_the_queue_does_not_starve_another()
    {
        var queued = Enumerable.Range(1, 10).Select(i => new QueuedJob(i, "a", "flood", 1, 0)).Append(new QueuedJob(11, "a", "other", 1, 0)).ToList();
        var decisions = SchedulerCore.Decide(State(2, [], queued));
        Assert.Equal([1L, 11L], decisions.Select(d => d.Id).Order());
    }

    [Fact]
    public void Fair_share_across_labs_breaks_ties_between_submitters()
    {
        var decisions = SchedulerCore.Decide(State(2, [new(10, "a", "u1", [0]), new(12, "a", "u5", []), new(11, "b", "u2", [])], [new(1, "a", "u3", 1, 0), new(2, "b", "u4", 1, 0)]));
        Assert.Equal(2, Assert.Single(decisions).Id);
    }

    [Fact]
    public void A_lab_never_holds_more_gpus_than_its_policy_cap()
    {
        var caps = new Dictionary<string, int>(StringComparer.Ordinal) { ["a"] = 2, ["b"] = 8 };
        var decisions = SchedulerCore.Decide(State(4, [new(10, "a", "u1", [0])], [new(1, "a", "u1", 2, 0), new(2, "a", "u2", 1, 0), new(3, "b", "u3", 1, 0)], caps));
        // Lab a holds 1 of 2: the 2-GPU job waits (without blocking others), a 1-GPU job fits.
        Assert.Equal([2L, 3L], decisions.Select(d => d.Id).Order());
        Assert.Equal(2, decisions.Where(d => d.Id != 3).Sum(d => d.GpuIds.Count) + 1);
    }

    [Fact]
    public void A_gpu_busy_with_a_process_labd_did_not_start_is_not_leased()
    {
        var decisions = SchedulerCore.Decide(State(2, [], [new(1, "a", "u1", 1, 0), new(2, "a", "u2", 1, 0)], busy: new HashSet<int> { 0 }));
        Assert.Equal([1], Assert.Single(decisions).GpuIds);
    }

    [Fact]
    public void A_two_gpu_job_is_not_starved_by_later_one_gpu_jobs()
    {
        // One GPU free of two: the 2-GPU job (oldest) cannot start and reserves; the 1-GPU job behind it must wait.
        var decisions = SchedulerCore.Decide(State(2, [new(10, "a", "u9", [0])], [new(1, "a", "u1", 2, 0), new(2, "a", "u2", 1, 0)]));
        Assert.Empty(decisions);
        // When the running job ends, the 2-GPU job gets both.
        var next = SchedulerCore.Decide(State(2, [], [new(1, "a", "u1", 2, 0), new(2, "a", "u2", 1, 0)]));
        Assert.Equal(new StartDecision(1, [0, 1]), Assert.Single(next), DecisionComparer.Instance);
    }

    [Fact]
    public void Jobs_without_gpus_still_run_while_a_gpu_job_waits()
    {
        var decisions = SchedulerCore.Decide(State(1, [new(10, "a", "u9", [0])], [new(1, "a", "u1", 1, 0), new(2, "a", "u2", 0, 0)]));
        Assert.Equal(new StartDecision(2, []), Assert.Single(decisions), DecisionComparer.Instance);
    }

    [Fact]
    public void A_job_larger_than_the_host_waits_without_blocking_others()
    {
        var decisions = SchedulerCore.Decide(State(2, [], [new(1, "a", "u1", 4, 0), new(2, "a", "u2", 1, 0)]));
        Assert.Equal(2, Assert.Single(decisions).Id);
    }

    [Fact]
    public void No_more_experiments_run_at_once_than_sandbox_slots()
    {
        var queued = Enumerable.Range(1, 5).Select(i => new QueuedJob(i, "a", "u" + i, 0, 0)).ToList();
        Assert.Equal(2, SchedulerCore.Decide(State(0, [new(10, "a", "x", [])], queued, slots: 3)).Count);
    }

    [Fact]
    public void A_policy_listing_its_gpus_gets_only_those_even_when_lower_ones_are_free()
    {
        // Lab a's policy says gpus: [2, 3]; lab b's says a count. GPUs 0..3 are free.
        var state = State(4, [], [new(1, "a", "u1", 1, 0), new(2, "a", "u2", 1, 0), new(3, "b", "u3", 1, 0)]) with
        {
            LabDevices = new Dictionary<string, IReadOnlySet<int>>(StringComparer.Ordinal) { ["a"] = new HashSet<int> { 2, 3 } },
        };
        var decisions = SchedulerCore.Decide(state);
        Assert.Equal([new StartDecision(1, [2]), new StartDecision(3, [0]), new StartDecision(2, [3])], decisions, DecisionComparer.Instance);
    }

    [Fact]
    public void A_listed_gpu_held_by_another_lab_makes_the_job_wait_instead_of_taking_another()
    {
        var state = State(2, [new(10, "b", "u9", [1])], [new(1, "a", "u1", 1, 0)]) with
        {
            LabDevices = new Dictionary<string, IReadOnlySet<int>>(StringComparer.Ordinal) { ["a"] = new HashSet<int> { 1 } },
        };
        Assert.Empty(SchedulerCore.Decide(state));
    }

    [Fact]
    public void Gpus_leased_to_runs_that_are_not_experiments_are_not_free()
    {
        var state = State(2, [], [new(1, "a", "u1", 1, 0), new(2, "a", "u2", 1, 0)]) with { LeasedElsewhere = new HashSet<int> { 0 } };
        Assert.Equal(new StartDecision(1, [1]), Assert.Single(SchedulerCore.Decide(state)), DecisionComparer.Instance);
    }

    private sealed class DecisionComparer : IEqualityComparer<StartDecision>
    {
        public static readonly DecisionComparer Instance = new();

        public bool Equals(StartDecision? x, StartDecision? y) => x is not null && y is not null && x.Id == y.Id && x.GpuIds.SequenceEqual(y.GpuIds);

        public int GetHashCode(StartDecision obj) => obj.Id.GetHashCode();
    }
}
