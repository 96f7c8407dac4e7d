using Labd.Hosting;
using Labd.SandboxPolicy.Config;

namespace Labd.Tests.Hosting;

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

        var gpus = GpuInventory.Scan(new GpusConfig([], _dir));

        Assert.Equal([0, 2, 10], gpus.Select(g => g.Index));
        Assert.All(gpus, g => Assert.True(g.Present));
    }

    [Fact]
    public void An_explicit_list_reports_missing_nodes_as_not_present()
    {
        File.WriteAllText(Path.Combine(_dir, "nvidia3"), "");

        var gpus = GpuInventory.Scan(new GpusConfig([Path.Combine(_dir, "nvidia3"), Path.Combine(_dir, "nvidia4")], "/dev"));

        Assert.Equal([(3, true), (4, false)], gpus.Select(g => (g.Index, g.Present)));
    }
}
