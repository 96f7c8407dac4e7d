using System.Globalization;
using System.Text.RegularExpressions;
using Labd.Protocol;
using Labd.SandboxPolicy.Config;

namespace Labd.Hosting;

/// <summary>
/// The GPUs labd sees: the configured device list, or the <c>nvidia&lt;N&gt;</c> nodes in the
/// configured directory (<c>/dev</c> by default; tests use a directory of fake nodes).
/// The Scheduler leases from this list.
/// </summary>
internal static partial class GpuInventory
{
    public static IReadOnlyList<GpuInfo> Scan(GpusConfig config)
    {
        if (!config.Devices.IsEmpty)
        {
            return [.. config.Devices.Select((device, i) => new GpuInfo(IndexOf(device) ?? i, device, File.Exists(device)))];
        }
        if (!Directory.Exists(config.DeviceDir))
        {
            return [];
        }
        return [.. Directory.EnumerateFileSystemEntries(config.DeviceDir, "nvidia*")
            .Select(device => (Device: device, Index: IndexOf(device)))
            .Where(g => g.Index is not null)
            .OrderBy(g => g.Index)
            .Select(g => new GpuInfo(g.Index!.Value, g.Device, true))];
    }

    private static int? IndexOf(string device)
    {
        var match = NvidiaNode().Match(Path.GetFileName(device));
        return match.Success ? int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture) : null;
    }

    [GeneratedRegex("^nvidia([0-9]+)$")]
    private static partial Regex NvidiaNode();
}
