using System.Globalization;
using System.Text.RegularExpressions;
using Labd.Protocol;
using Labd.SandboxPolicy.Config;

namespace Labd.Scheduler;

/// <summary>
/// The GPUs of this host, the one list that the scheduler leases from, <c>gpu ls</c> and
/// <c>status</c> report, and runs bind: labd.yaml's <c>gpus.devices</c>, or the <c>nvidiaN</c>
/// nodes in <c>gpus.deviceDir</c> (<c>/dev</c> by default; tests use a directory of fake nodes).
/// Read from the current configuration at each use, so a reload applies to the next lease.
/// </summary>
internal sealed partial class GpuInventory(Func<GpusConfig> config)
{
    private static readonly string[] ControlNodes = ["nvidiactl", "nvidia-uvm", "nvidia-uvm-tools", "nvidia-modeset"];

    public GpuInventory(GpusConfig config)
        : this(() => config)
    {
    }

    /// <summary>Every configured GPU, ascending by index (the N of /dev/nvidiaN, the device minor), present or not.</summary>
    public IReadOnlyList<GpuInfo> Scan()
    {
        var current = config();
        if (!current.Devices.IsEmpty)
        {
            return [.. current.Devices.Select((device, i) => new GpuInfo(IndexOf(device) ?? i, device, File.Exists(device))).OrderBy(g => g.Index)];
        }
        if (!Directory.Exists(current.DeviceDir))
        {
            return [];
        }
        return [.. Directory.EnumerateFileSystemEntries(current.DeviceDir, "nvidia*")
            .Select(device => (Device: device, Index: IndexOf(device)))
            .Where(g => g.Index is not null)
            .OrderBy(g => g.Index)
            .Select(g => new GpuInfo(g.Index!.Value, g.Device, true))];
    }

    /// <summary>The indices of the GPUs whose device node exists: what can be leased.</summary>
    public IReadOnlyList<int> Present() => [.. Scan().Where(g => g.Present).Select(g => g.Index)];

    /// <summary>
    /// The device nodes to bind for a lease: the leased GPUs under their host names (the
    /// driver identifies a GPU by the node's minor, and CUDA enumerates the /dev/nvidiaN nodes
    /// it can open, so keeping names keeps name and minor consistent) plus the control nodes
    /// beside them that exist; and the <c>CUDA_VISIBLE_DEVICES</c> value, which renumbers the
    /// visible GPUs 0..n-1 in ascending host order, the order in which CUDA enumerates them.
    /// </summary>
    public (IReadOnlyList<string> Nodes, string? CudaVisibleDevices) ForLease(IReadOnlyList<int> gpus)
    {
        if (gpus.Count == 0)
        {
            return ([], null);
        }
        var present = Scan().Where(g => g.Present).ToDictionary(g => g.Index, g => g.Device);
        var missing = gpus.Where(g => !present.ContainsKey(g)).ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException($"GPU(s) {string.Join(",", missing)} not present on this host", nameof(gpus));
        }
        var leased = gpus.Distinct().Order().Select(g => present[g]).ToList();
        var controls = leased.Select(Path.GetDirectoryName).Distinct()
            .SelectMany(dir => ControlNodes.Select(c => Path.Combine(dir!, c)))
            .Where(File.Exists);
        var visible = string.Join(",", Enumerable.Range(0, leased.Count).Select(i => i.ToString(CultureInfo.InvariantCulture)));
        return ([.. leased.Concat(controls)], visible);
    }

    private static int? IndexOf(string device)
    {
        var match = NvidiaNode().Match(Path.GetFileName(device));
        return match.Success ? int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture) : null;
    }

    [GeneratedRegex("^nvidia([0-9]+)$")]
    private static partial Regex NvidiaNode();
}
