using System.Diagnostics;
using System.Text;
using Labd.Interop;

namespace Labd.IntegrationTests.Daemon;

/// <summary>
/// The real labd binary running as a child with its own temp state dir, socket and config,
/// so many daemons can run side by side. Killed on dispose.
/// </summary>
internal sealed class LabdProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly List<(string Text, int From, TaskCompletionSource Seen)> _waiters = [];
    private readonly Process _process;

    private LabdProcess(Process process, TestDir dir, string socketPath)
    {
        _process = process;
        Dir = dir;
        SocketPath = socketPath;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static string BinaryPath => Path.Combine(AppContext.BaseDirectory, "labd");

    public TestDir Dir { get; }

    public string SocketPath { get; }

    public string StateDir => Dir["state"];

    public string ConfigPath => Dir["labd.yaml"];

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts labd with <c>--foreground --config --state-dir --socket</c> in <paramref name="dir"/>.
    /// <paramref name="wrapper"/>, when given, is the program that execs labd (its arguments first, then labd's command line).
    /// </summary>
    public static LabdProcess Start(TestDir dir, string? config = null, IReadOnlyDictionary<string, string>? environment = null, IReadOnlyList<string>? wrapper = null)
    {
        var socketPath = dir["run/labd.sock"];
        if (config is not null || !File.Exists(dir["labd.yaml"]))
        {
            File.WriteAllText(dir["labd.yaml"], config ?? "");
        }
        string[] labdArgs = [BinaryPath, "--foreground", "--config", dir["labd.yaml"], "--state-dir", dir["state"], "--socket", socketPath];
        var command = wrapper is null ? labdArgs : [.. wrapper, .. labdArgs];
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in command.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        return new LabdProcess(Process.Start(start)!, dir, socketPath);
    }

    public HttpClient Client() => UnixHttp.Create(SocketPath);

    /// <summary>Polls GET /v1/version until it answers; fails with labd's output if labd exits first.</summary>
    public async Task WaitUntilAnsweringAsync(CancellationToken cancellationToken)
    {
        using var client = Client();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (_process.HasExited)
            {
                Assert.Fail($"labd exited with {_process.ExitCode} before answering:\n{Output}");
            }
            try
            {
                using var response = await client.GetAsync(Protocol.Routes.Version, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"labd did not answer within 30 s:\n{Output}");
            }
            await Task.Delay(50, cancellationToken);
        }
    }

    public void Signal(int signal) => Signals.Send(_process.Id, signal);

    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
            foreach (var waiter in _waiters.Where(w => Seen(w.Text, w.From)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Seen.TrySetResult();
            }
        }
    }

    /// <summary>How much output there is so far: pass it to <see cref="WaitForOutputAsync"/> to wait for what comes after.</summary>
    public int OutputLength
    {
        get
        {
            lock (_output)
            {
                return _output.Length;
            }
        }
    }

    /// <summary>Completes when labd's output from character <paramref name="from"/> on contains <paramref name="text"/>.</summary>
    public Task WaitForOutputAsync(string text, int from, CancellationToken cancellationToken)
    {
        lock (_output)
        {
            if (Seen(text, from))
            {
                return Task.CompletedTask;
            }
            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((text, from, seen));
            return seen.Task.WaitAsync(cancellationToken);
        }
    }

    private bool Seen(string text, int from) =>
        _output.ToString(from, _output.Length - from).Contains(text, StringComparison.Ordinal);
}
