using System.Text;
using System.Text.Json;

namespace Labd.Egress;

/// <summary>
/// The decisions of one run: the most recent ones in memory, all of them appended to
/// <c>egress.jsonl</c> in the run directory (one JSON object per line, flushed per line so
/// a crash loses at most the line being written), and each one to the logger.
/// </summary>
internal sealed class EgressDecisionLog : IDisposable
{
    public const string FileName = "egress.jsonl";

    private readonly Lock _lock = new();
    private readonly Queue<EgressDecisionRecord> _recent = new();
    private readonly int _capacity;
    private readonly ILogger _logger;
    private readonly FileStream? _journal;

    public EgressDecisionLog(string runId, string? runDirectory, int capacity, ILogger logger)
    {
        RunId = runId;
        _capacity = capacity;
        _logger = logger;
        if (runDirectory is not null)
        {
            Directory.CreateDirectory(runDirectory);
            JournalPath = Path.Combine(runDirectory, FileName);
            _journal = new FileStream(JournalPath, FileMode.Append, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
        }
    }

    public string RunId { get; }

    public string? JournalPath { get; }

    public event Action<EgressDecisionRecord>? Recorded;

    public IReadOnlyList<EgressDecisionRecord> Recent()
    {
        lock (_lock)
        {
            return [.. _recent];
        }
    }

    public EgressDecisionRecord Record(string kind, string host, int port, bool allowed, string reason, string? resolved = null, string? note = null)
    {
        var record = new EgressDecisionRecord(DateTimeOffset.UtcNow, RunId, kind, host, port, allowed, reason, resolved, note);
        EgressLog.Decision(_logger, RunId, allowed ? "allow" : "deny", kind, host, port, reason, resolved);
        lock (_lock)
        {
            _recent.Enqueue(record);
            while (_recent.Count > _capacity)
            {
                _recent.Dequeue();
            }

            if (_journal is not null)
            {
                try
                {
                    var line = JsonSerializer.Serialize(record, EgressJsonContext.Default.EgressDecisionRecord);
                    _journal.Write(Encoding.UTF8.GetBytes(line + "\n"));
                    _journal.Flush();
                }
                catch (IOException ex)
                {
                    EgressLog.JournalFailed(_logger, RunId, JournalPath!, ex);
                }
            }
        }

        Recorded?.Invoke(record);
        return record;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _journal?.Dispose();
        }
    }
}
