using System.Globalization;
using System.Text.RegularExpressions;

namespace Labd.Runs;

/// <summary>
/// The GPUs of this host, found as <c>nvidiaN</c> device nodes in a configurable directory
/// (<c>/dev</c> in production; a test directory with <c>mknod</c>'ed fake nodes in tests).
/// </summary>
internal sealed partial class GpuInventory
{
    private static readonly string[] ControlNodes = ["nvidiactl", "nvidia-uvm", "nvidia-uvm-tools", "nvidia-modeset"];

    public GpuInventory(string deviceDirectory)
    {
        DeviceDirectory = deviceDirectory;
    }

    public string DeviceDirectory { get; }

    /// <summary>GPU indices (the N of /dev/nvidiaN, which is the device minor), ascending.</summary>
    public IReadOnlyList<int> Gpus() =>
        Directory.Exists(DeviceDirectory)
            ? Directory.EnumerateFileSystemEntries(DeviceDirectory, "nvidia*")
                .Select(Path.GetFileName)
                .Select(n => GpuNode().Match(n!))
                .Where(m => m.Success)
                .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
                .Order()
                .ToList()
            : [];

    /// <summary>
    /// The device nodes to bind for a lease: the leased GPUs under their host names (the
    /// driver identifies a GPU by the node's minor, and CUDA enumerates the /dev/nvidiaN nodes
    /// it can open, so keeping names keeps name and minor consistent) plus the control nodes
    /// that exist; and the <c>CUDA_VISIBLE_DEVICES</c> value, which renumbers the visible GPUs
    /// 0..n-1 in ascending host order, the order in which CUDA enumerates them.
    /// </summary>
    public (IReadOnlyList<string> Nodes, string? CudaVisibleDevices) ForLease(IReadOnlyList<int> gpus)
    {
        if (gpus.Count == 0)
        {
            return ([], null);
        }
        var available = Gpus().ToHashSet();
        var missing = gpus.Where(g => !available.Contains(g)).ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException($"GPU(s) {string.Join(",", missing)} not present in {DeviceDirectory}", nameof(gpus));
        }
        var nodes = gpus.Distinct().Order()
            .Select(g => Path.Combine(DeviceDirectory, "nvidia" + g.ToString(CultureInfo.InvariantCulture)))
            .Concat(ControlNodes.Select(c => Path.Combine(DeviceDirectory, c)).Where(File.Exists))
            .ToList();
        var visible = string.Join(",", Enumerable.Range(0, gpus.Distinct().Count()).Select(i => i.ToString(CultureInfo.InvariantCulture)));
        return (nodes, visible);
    }

    [GeneratedRegex("^nvidia([0-9]+)$")]
    private static partial Regex GpuNode();
}
