using System.Diagnostics;
using System.Globalization;
using Labd.Experiments;

namespace Labd.Scheduler;

/// <summary>
/// GPUs in use by processes labd did not start, from <c>nvidia-smi</c> when it is on PATH
/// (compute apps by bus id, mapped to indices). Cached for a few seconds; a failure counts as
/// no external use and is logged once.
/// </summary>
internal sealed class ExternalGpus(ILogger<ExternalGpus> logger)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);
    private readonly Lock _lock = new();
    private IReadOnlySet<int> _busy = new HashSet<int>();
    private DateTimeOffset _at = DateTimeOffset.MinValue;
    private bool _warned;

    public IReadOnlySet<int> Busy()
    {
        lock (_lock)
        {
            if (DateTimeOffset.UtcNow - _at < CacheFor)
            {
                return _busy;
            }
            _at = DateTimeOffset.UtcNow;
            try
            {
                _busy = Query();
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or IOException or FormatException)
            {
                _busy = new HashSet<int>();
                if (!_warned)
                {
                    _warned = true;
                    ExperimentLog.NvidiaSmiFailed(logger, e.Message);
                }
            }
            return _busy;
        }
    }

    private static HashSet<int> Query()
    {
        var smi = (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "nvidia-smi"))
            .FirstOrDefault(File.Exists);
        if (smi is null)
        {
            return [];
        }
        var indexByBus = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in Lines(smi, "--query-gpu=index,pci.bus_id", "--format=csv,noheader"))
        {
            var fields = line.Split(',', StringSplitOptions.TrimEntries);
            if (fields.Length >= 2)
            {
                indexByBus[fields[1]] = int.Parse(fields[0], CultureInfo.InvariantCulture);
            }
        }
        var busy = new HashSet<int>();
        foreach (var line in Lines(smi, "--query-compute-apps=gpu_bus_id,pid", "--format=csv,noheader"))
        {
            var fields = line.Split(',', StringSplitOptions.TrimEntries);
            if (fields.Length >= 1 && indexByBus.TryGetValue(fields[0], out var index))
            {
                busy.Add(index);
            }
        }
        return busy;
    }

    private static List<string> Lines(string smi, params string[] args)
    {
        var start = new ProcessStartInfo(smi) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("nvidia-smi did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(5000))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("nvidia-smi did not answer within 5 s");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"nvidia-smi exited with {process.ExitCode}");
        }
        return [.. output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }
}
