using System.Diagnostics;
using System.Globalization;
using Labd.IntegrationTests.Daemon;

namespace Labd.IntegrationTests.Sandbox;

/// <summary>
/// A real labd (its own state dir and socket) whose <c>GET /v1/status</c> is timed every 100 ms
/// while an escape-suite P2 attack runs beside it. A request that fails or takes over 5 s
/// counts as 5 s.
/// </summary>
internal sealed class ApiLatency : IAsyncDisposable
{
    private readonly TestDir _dir;
    private readonly LabdProcess _labd;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<double> _samples = [];
    private Task _sampler = Task.CompletedTask;

    private ApiLatency(TestDir dir, LabdProcess labd)
    {
        _dir = dir;
        _labd = labd;
    }

    public static async Task<ApiLatency> StartAsync(CancellationToken cancellationToken)
    {
        var dir = new TestDir();
        var labd = LabdProcess.Start(dir);
        await labd.WaitUntilAnsweringAsync(cancellationToken);
        var latency = new ApiLatency(dir, labd);
        latency._sampler = latency.SampleAsync();
        return latency;
    }

    private async Task SampleAsync()
    {
        using var client = _labd.Client();
        client.Timeout = TimeSpan.FromSeconds(5);
        while (!_stop.IsCancellationRequested)
        {
            var sw = Stopwatch.StartNew();
            double ms;
            try
            {
                using var response = await client.GetAsync(Protocol.Routes.Status, _stop.Token);
                ms = response.IsSuccessStatusCode ? sw.Elapsed.TotalMilliseconds : 5000;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                if (_stop.IsCancellationRequested)
                {
                    break;
                }
                ms = 5000;
            }
            lock (_samples)
            {
                _samples.Add(ms);
            }
            try
            {
                await Task.Delay(100, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Stops sampling and returns (count, p99 in ms, max in ms).</summary>
    public async Task<(int Count, double P99, double Max)> StopAsync()
    {
        await _stop.CancelAsync();
        await _sampler;
        lock (_samples)
        {
            var sorted = _samples.Order().ToList();
            return sorted.Count == 0 ? (0, double.MaxValue, double.MaxValue) : (sorted.Count, sorted[(int)Math.Ceiling(sorted.Count * 0.99) - 1], sorted[^1]);
        }
    }

    /// <summary>Asserts labd stayed responsive: at least a few samples, p99 under a second.</summary>
    public async Task AssertResponsiveAsync(string attack)
    {
        var (count, p99, max) = await StopAsync();
        var line = string.Create(CultureInfo.InvariantCulture, $"P2 {attack}: GET /v1/status x{count}, p99 {p99:F0} ms, max {max:F0} ms");
        TestContext.Current.SendDiagnosticMessage(line);
        Assert.True(count >= 5 && p99 < 1000, line);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampler;
        await _labd.DisposeAsync();
        _dir.Dispose();
        _stop.Dispose();
    }
}
