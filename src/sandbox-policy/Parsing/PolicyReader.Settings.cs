using Labd.SandboxPolicy.Yaml;

namespace Labd.SandboxPolicy;

internal sealed partial class PolicyReader
{
    public const int MaxGpus = 64;

    /// <summary>The largest <c>limits.metrics</c>: labd reads up to this much of a run's metrics file.</summary>
    public const long MaxMetricsBytes = 1L << 30;

    private static readonly string[] LimitKeys = ["memory", "cpus", "pids", "timeout", "log", "metrics"];

    private void ReadGpus(YamlNode value)
    {
        if (value is YamlSequence list)
        {
            ReadGpuDevices(list);
            return;
        }

        if (Scalar(value, "gpus") is not { } s)
        {
            return;
        }

        if (!ValueParsers.TryParseCount(s.Value, 0, MaxGpus, out var gpus))
        {
            diagnostics.Error(DiagnosticCodes.BadGpus, $"gpus must be a whole number from 0 to {MaxGpus}, not '{HostName.Display(s.Value)}'", s.Location, "write the most GPUs one run may lease, like 'gpus: 1'");
            return;
        }

        _gpus = new Setting<int>(gpus, s.Value, s.Location);
    }

    private void ReadGpuDevices(YamlSequence list)
    {
        var devices = new SortedSet<int>();
        foreach (var item in list.Items)
        {
            if (Scalar(item, "a GPU index") is not { } s)
            {
                continue;
            }

            if (!ValueParsers.TryParseCount(s.Value, 0, MaxGpus - 1, out var index) || !devices.Add(index))
            {
                diagnostics.Error(DiagnosticCodes.BadGpus, $"'{HostName.Display(s.Value)}' is not a distinct GPU index from 0 to {MaxGpus - 1}", s.Location, "list host GPU indices like 'gpus: [0, 1]', or give a count like 'gpus: 2'");
            }
        }

        _gpuDevices = [.. devices];
        _gpus = new Setting<int>(devices.Count, string.Join(", ", devices), list.Location);
    }

    private void ReadLimits(YamlNode value)
    {
        if (Mapping(value, "limits") is not { } limits)
        {
            return;
        }

        var result = PolicyLimits.None;
        foreach (var (key, node) in limits.Entries)
        {
            if (!LimitKeys.Contains(key.Value))
            {
                UnknownKey(key, LimitKeys, "limits");
                continue;
            }

            if (Scalar(node, $"limits.{key.Value}") is not { } s)
            {
                continue;
            }

            var text = s.Value;
            switch (key.Value)
            {
                case "memory" when ValueParsers.TryParseSize(text, out var memory):
                    result = result with { Memory = new(memory, text, s.Location) };
                    break;
                case "log" when ValueParsers.TryParseSize(text, out var log):
                    result = result with { Log = new(log, text, s.Location) };
                    break;
                case "metrics" when ValueParsers.TryParseSize(text, out var metrics) && metrics <= MaxMetricsBytes:
                    result = result with { Metrics = new(metrics, text, s.Location) };
                    break;
                case "cpus" when ValueParsers.TryParseCpus(text, out var cpus):
                    result = result with { Cpus = new(cpus, text, s.Location) };
                    break;
                case "pids" when ValueParsers.TryParseCount(text, 1, 4_194_304, out var pids):
                    result = result with { Pids = new(pids, text, s.Location) };
                    break;
                case "timeout" when ValueParsers.TryParseDuration(text, out var timeout):
                    result = result with { Timeout = new(timeout, text, s.Location) };
                    break;
                default:
                    diagnostics.Error(DiagnosticCodes.BadLimit, $"limits.{key.Value}: '{HostName.Display(text)}' is not valid", s.Location, LimitHint(key.Value));
                    break;
            }
        }

        _limits = result;
    }

    private static string LimitHint(string key) => key switch
    {
        "memory" or "log" => "write a size like '16G' or '512M'",
        "metrics" => "write a size like '16M' or '512K' (at most 1G)",
        "cpus" => "write a number of CPUs like '4' or '2.5'",
        "pids" => "write a whole number like '4096'",
        _ => "write a duration like '2h', '30m', '90s' or '1h30m' (at most 30d)",
    };
}
