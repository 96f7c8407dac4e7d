using Labd.SandboxPolicy.Config;
using Labd.Scheduler;

namespace Labd.Tests.Experiments;

public sealed class GpuInventoryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("labdt-gpus-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_device_dir_yields_its_numbered_nvidia_nodes_in_order_and_skips_control_nodes()
    {
        foreach (var name in new[] { "nvidia10", "nvidia2", "nvidiactl", "nvidia-uvm", "nvidia0" })
        {
            File.WriteAllText(Path.Combine(_dir, name), "");
        }

        var gpus = new GpuInventory(new GpusConfig([], _dir)).Scan();

        Assert.Equal([0, 2, 10], gpus.Select(g => g.Index));
        Assert.All(gpus, g => Assert.True(g.Present));
    }

    [Fact]
    public void An_explicit_list_reports_missing_nodes_as_not_present()
    {
        File.WriteAllText(Path.Combine(_dir, "nvidia3"), "");

        var gpus = new GpuInventory(new GpusConfig([Path.Combine(_dir, "nvidia3"), Path.Combine(_dir, "nvidia4")], "/dev")).Scan();

        Assert.Equal([(3, true), (4, false)], gpus.Select(g => (g.Index, g.Present)));
    }

    [Fact]
    public void A_lease_binds_the_leased_nodes_and_the_control_nodes_beside_them_and_renumbers_cuda()
    {
        foreach (var name in new[] { "nvidia0", "nvidia2", "nvidia5", "nvidiactl" })
        {
            File.WriteAllText(Path.Combine(_dir, name), "");
        }

        var (nodes, visible) = new GpuInventory(new GpusConfig([], _dir)).ForLease([5, 2]);

        Assert.Equal([Path.Combine(_dir, "nvidia2"), Path.Combine(_dir, "nvidia5"), Path.Combine(_dir, "nvidiactl")], nodes);
        Assert.Equal("0,1", visible);
    }

    [Fact]
    public void An_explicit_device_list_is_what_a_lease_binds_too()
    {
        // The runs' inventory once scanned only deviceDir, so a `devices:` list and the scheduler disagreed.
        var other = Directory.CreateTempSubdirectory("labdt-gpus-other-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(other, "nvidia7"), "");
            var inventory = new GpuInventory(new GpusConfig([Path.Combine(other, "nvidia7")], _dir));

            Assert.Equal([7], inventory.Present());
            Assert.Equal([Path.Combine(other, "nvidia7")], inventory.ForLease([7]).Nodes);
            Assert.Throws<ArgumentException>(() => inventory.ForLease([0]));
        }
        finally
        {
            Directory.Delete(other, recursive: true);
        }
    }
}
