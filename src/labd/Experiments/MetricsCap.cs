using System.Globalization;
using Labd.Interop;
using Labd.Runs;
using Labd.SandboxPolicy;

namespace Labd.Experiments;

/// <summary>
/// The policy's <c>limits.metrics</c> for one run: labd reads an experiment's <c>$LAB_METRICS</c>
/// and <c>$LAB_PROGRESS</c> files only up to this many bytes from their start, and when either
/// grew past it the experiment's record says so. The files themselves live in the run
/// directory and the target can keep writing (as it can into its writable tree); what the cap
/// bounds is what labd reads, holds and serves.
/// </summary>
internal static class MetricsCap
{
    public static long Of(Run run) => RunRegistry.PlanOf(run)?.MetricsBytes ?? RunsOptions.DefaultMetricsBytes;

    /// <summary>Why the run's metrics or progress files were read only in part, or null when they fit.</summary>
    public static string? Exceeded(Run run)
    {
        var cap = Of(run);
        var over = new List<string>();
        foreach (var (variable, path) in new[] { ("$LAB_METRICS", run.Paths.Metrics), ("$LAB_PROGRESS", run.Paths.Progress) })
        {
            if (LengthOf(path) > cap)
            {
                over.Add(variable);
            }
        }
        var size = ValueParsers.FormatSize(cap);
        return over.Count == 0
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"{string.Join(" and ", over)} grew past the policy's limits.metrics ({size}); labd read only the first {size}");
    }

    /// <summary>The file's length, from a descriptor opened without following a link; 0 when it is not a regular file or unreadable.</summary>
    public static long LengthOf(string path)
    {
        try
        {
            if (FileStatus.TypeOwnerLinks(path).Type != TreeOwnership.RegularType)
            {
                return 0;
            }
            using var handle = OpenNoFollow.ReadOnly(path);
            return RandomAccess.GetLength(handle);
        }
        catch (Exception e) when (e is IOException or System.ComponentModel.Win32Exception or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
