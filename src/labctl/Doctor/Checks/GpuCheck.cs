using System.Text.RegularExpressions;

namespace Labctl.Doctor.Checks;

/// <summary>NVIDIA device nodes labd could lease; informational, a CPU-only host is fine.</summary>
internal static partial class GpuCheck
{
    public const string Name = "GPUs";

    public static DoctorCheck Run(HostProbe host)
    {
        var dev = host.Path("/dev");
        var gpus = Directory.Exists(dev)
            ? Directory.EnumerateFileSystemEntries(dev, "nvidia*")
                .Select(Path.GetFileName)
                .Where(name => name is not null && GpuNode().IsMatch(name))
                .OrderBy(name => int.Parse(name!.AsSpan("nvidia".Length), System.Globalization.CultureInfo.InvariantCulture))
                .ToList()
            : [];
        return gpus.Count == 0
            ? DoctorCheck.Ok(Name, "none (/dev/nvidia* absent); experiments run on CPU")
            : DoctorCheck.Ok(Name, $"{gpus.Count}: {string.Join(", ", gpus.Select(g => "/dev/" + g))}");
    }

    [GeneratedRegex("^nvidia[0-9]+$")]
    private static partial Regex GpuNode();
}
