using System.Globalization;
using System.Text;

namespace Labd.Runs;

/// <summary>
/// The run's output log: the target's stdout and stderr, appended in arrival order up to a
/// byte cap; beyond it the rest is dropped and a single truncation marker written.
/// </summary>
internal sealed class LogSink : IDisposable
{
    private readonly FileStream _file;
    private readonly long _cap;
    private readonly Lock _gate = new();
    private long _written;

    public LogSink(string path, long cap)
    {
        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
        _written = _file.Length;
        _cap = cap;
    }

    public bool Truncated { get; private set; }

    public void Write(ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            if (Truncated)
            {
                return;
            }
            var room = _cap - _written;
            if (data.Length <= room)
            {
                _file.Write(data);
                _written += data.Length;
                return;
            }
            _file.Write(data[..(int)Math.Max(0, room)]);
            _file.Write(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
                $"\n[labd: output truncated at {_cap} bytes; the rest was discarded]\n")));
            _written = _cap;
            Truncated = true;
        }
    }

    public void WriteLine(string line) => Write(Encoding.UTF8.GetBytes(line + "\n"));

    /// <summary>Copies <paramref name="source"/> into the log until EOF, draining (not blocking
    /// the writer) after the cap is reached.</summary>
    public async Task PumpAsync(Stream source, CancellationToken cancellationToken)
    {
        var buffer = new byte[16384];
        int n;
        while ((n = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            Write(buffer.AsSpan(0, n));
        }
    }

    /// <summary>rootlesskit's notice that /etc/resolv.conf is bound without a copy-up of /etc:
    /// it is printed at every start, and is about rootlesskit's mount namespace, which the
    /// sandbox does not use (bwrap binds /etc itself).</summary>
    internal const string ResolvConfNotice = "level=warning msg=\"Mounting /etc/resolv.conf without copying-up /etc.";

    /// <summary>Copies the launch tools' stderr (written by rootlesskit and slirp4netns, never by
    /// the target) into the log line by line, leaving out <see cref="ResolvConfNotice"/> and
    /// rootlesskit's report of the child's exit (its command line can hold a whole agent prompt;
    /// labd writes its own end line, <see cref="RunEndText"/>).</summary>
    public async Task PumpToolMessagesAsync(Stream source)
    {
        using var reader = new StreamReader(source, Encoding.UTF8);
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.Contains(ResolvConfNotice, StringComparison.Ordinal) && !RunEndText.IsToolExitReport(line))
            {
                WriteLine(line);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _file.Flush(flushToDisk: true);
            _file.Dispose();
        }
    }
}
