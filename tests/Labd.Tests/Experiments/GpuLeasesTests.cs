using Labd.Protocol;
using Labd.SandboxPolicy.Config;
using Labd.Scheduler;
using Microsoft.Extensions.Logging.Abstractions;

namespace Labd.Tests.Experiments;

/// <summary>The one lease table: every lease checked against the run's policy and against what is held.</summary>
public sealed class GpuLeasesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("labdt-leases-").FullName;

    public GpuLeasesTests()
    {
        for (var i = 0; i < 4; i++)
        {
            File.WriteAllText(Path.Combine(_dir, "nvidia" + i), "");
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private GpuLeases Leases(bool bypassed = false) =>
        new(new GpuInventory(new GpusConfig([], _dir)), new ExternalGpus(NullLogger<ExternalGpus>.Instance), bypassed);

    private static GpuAllowance Count(int max, string name = "default") => new(name, max, []);

    [Fact]
    public void A_policy_allowing_no_gpus_refuses_any_and_records_nothing()
    {
        var leases = Leases();

        var e = Assert.Throws<LabdException>(() => leases.AcquireAny("r1", 1, Count(0, "strict")));

        Assert.Equal(ErrorCode.BadRequest, e.Code);
        Assert.Equal("--gpus 1 is more than policy 'strict' allows per run (gpus: 0); ask for fewer, or use a policy that allows more (`labctl policy ls`)", e.Message);
        Assert.Empty(leases.Holders());
        Assert.Throws<LabdException>(() => leases.Acquire("r1", [0], Count(0, "strict")));
        Assert.Empty(leases.Holders());
    }

    [Fact]
    public void A_gpu_leased_to_one_run_is_refused_to_another_until_released()
    {
        var leases = Leases();
        leases.Acquire("experiment-run", [0], Count(1));

        var e = Assert.Throws<LabdException>(() => leases.Acquire("other", [0], Count(1)));
        Assert.Equal(ErrorCode.Conflict, e.Code);
        // Leasing again what a run holds is a no-op (the scheduler leases, the launch confirms).
        leases.Acquire("experiment-run", [0], Count(1));

        leases.Release("experiment-run");
        leases.Acquire("other", [0], Count(1));
        Assert.Equal("other", leases.Holders()[0]);
    }

    [Fact]
    public void A_run_asking_for_a_count_gets_the_lowest_free_gpus_and_is_refused_when_too_few_are_free()
    {
        var leases = Leases();
        leases.Acquire("exp", [0, 2], Count(2));

        Assert.Equal([1, 3], leases.AcquireAny("run", 2, Count(8)));
        var e = Assert.Throws<LabdException>(() => leases.AcquireAny("late", 1, Count(8)));

        Assert.Equal(ErrorCode.Conflict, e.Code);
        Assert.StartsWith("--gpus 1: only 0 of the 4 GPUs policy 'default' allows are free", e.Message, StringComparison.Ordinal);
        Assert.Contains("labctl exp run --gpus N", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("late", leases.Holders().Values);
    }

    [Fact]
    public void A_policy_listing_gpus_is_leased_only_those()
    {
        var leases = Leases();
        var listed = new GpuAllowance("pinned", 2, [2, 3]);

        Assert.Equal([2], leases.AcquireAny("a", 1, listed));
        var e = Assert.Throws<LabdException>(() => leases.Acquire("b", [0], listed));

        Assert.Equal("GPU 0 is not one policy 'pinned' allows (gpus: [2, 3])", e.Message);
        Assert.Equal([2], leases.Holders().Keys);
    }

    [Fact]
    public void A_count_larger_than_the_host_can_never_start_and_says_so()
    {
        var e = Assert.Throws<LabdException>(() => Leases().AcquireAny("r", 5, Count(8)));
        Assert.StartsWith("--gpus 5 can never start here: this host has 4 GPUs", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lease_ends_the_moment_its_runs_end_is_on_record_whoever_reads_first()
    {
        var leases = Leases();
        var ended = new HashSet<string>(StringComparer.Ordinal);
        leases.TrackEnds(ended.Contains);
        leases.Acquire("done-soon", [0], Count(1));
        Assert.Throws<LabdException>(() => leases.Acquire("next", [0], Count(1)));

        ended.Add("done-soon");

        Assert.Empty(leases.Holders());
        leases.Acquire("next", [0], Count(1));
    }

    [Fact]
    public void The_negative_control_switch_restores_the_old_bypass()
    {
        var leases = Leases(bypassed: true);
        leases.Acquire("exp", [0], Count(1));

        Assert.Equal([0, 1, 2, 3], leases.AcquireAny("run", 4, Count(0, "strict")));
        Assert.Empty(leases.Holders());
    }
}
