using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.RateLimiting;

namespace Labd.Egress;

/// <summary>
/// The decisions of one run: the most recent ones in memory, and, bounded, appended to
/// <c>egress.jsonl</c> in the run directory (one JSON object per line, flushed per line so a
/// crash loses at most the line being written) and to the logger. A sandbox can make decisions
/// as fast as it can send DNS queries, so the file and the journal take at most
/// <see cref="EgressOptions.LogLinesPerSecond"/> lines a second (a token bucket of
/// <see cref="EgressOptions.LogBurst"/>) and the file at most <see cref="EgressOptions.LogBytes"/>
/// bytes. Decisions beyond either are counted, not written; the count goes into the file as a
/// <c>dropped</c> line (<see cref="EgressDecisionRecord.Dropped"/>) before the next line written,
/// when the size cap is reached, and when the log closes.
/// </summary>
internal sealed class EgressDecisionLog : IDisposable
{
    public const string FileName = "egress.jsonl";

    /// <summary>Room kept below the size cap for the two <c>dropped</c> lines written after it is reached.</summary>
    internal const int SummaryReserve = 2048;

    private readonly Lock _lock = new();
    private readonly Queue<EgressDecisionRecord> _recent = new();
    private readonly int _capacity;
    private readonly ILogger _logger;
    private readonly FileStream? _journal;
    private readonly TokenBucketRateLimiter? _rate;
    private readonly EgressOptions _options;
    private long _bytes;
    private long _pending;
    private bool _full;

    public EgressDecisionLog(string runId, string? runDirectory, int capacity, ILogger logger, EgressOptions? options = null)
    {
        RunId = runId;
        _capacity = capacity;
        _logger = logger;
        _options = options ?? new EgressOptions();
        if (_options.LogLinesPerSecond > 0)
        {
            // One token every 1/rate seconds, in periods of at least 10 ms.
            var perPeriod = Math.Max(1, _options.LogLinesPerSecond / 100);
            _rate = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = Math.Max(1, _options.LogBurst),
                TokensPerPeriod = perPeriod,
                ReplenishmentPeriod = TimeSpan.FromSeconds((double)perPeriod / _options.LogLinesPerSecond),
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        }
        if (runDirectory is not null)
        {
            Directory.CreateDirectory(runDirectory);
            JournalPath = Path.Combine(runDirectory, FileName);
            _journal = new FileStream(JournalPath, FileMode.Append, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
            // A re-adopted run appends to what it wrote before labd restarted.
            _bytes = _journal.Length;
        }
    }

    public string RunId { get; }

    public string? JournalPath { get; }

    /// <summary>Decisions not written to the file and the journal so far (rate limit or size cap).</summary>
    public long Dropped { get; private set; }

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
        lock (_lock)
        {
            _recent.Enqueue(record);
            while (_recent.Count > _capacity)
            {
                _recent.Dequeue();
            }
            if (_full || (_rate is not null && !_rate.AttemptAcquire().IsAcquired))
            {
                Drop();
            }
            else
            {
                if (_pending > 0)
                {
                    WriteSummary(RateReason);
                }
                if (!TryWrite(record, SummaryReserve))
                {
                    Drop();
                    _full = true;
                    WriteSummary(SizeReason(reached: true));
                }
                else
                {
                    EgressLog.Decision(_logger, RunId, allowed ? "allow" : "deny", kind, host, port, reason, resolved);
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
            if (_pending > 0)
            {
                WriteSummary(_full ? SizeReason(reached: false) : RateReason);
            }
            _journal?.Dispose();
            _rate?.Dispose();
        }
    }

    private string RateReason => string.Create(CultureInfo.InvariantCulture,
        $"more than {_options.LogLinesPerSecond} decisions a second (labd.yaml limits.egressLogLinesPerSecond); these were counted, not logged");

    private string SizeReason(bool reached) => string.Create(CultureInfo.InvariantCulture,
        $"{FileName} reached its cap of {_options.LogBytes} bytes (labd.yaml limits.egressLogBytes); {(reached ? "later decisions are counted, not logged" : "these were counted, not logged")}");

    private void Drop()
    {
        _pending++;
        Dropped++;
    }

    private void WriteSummary(string reason)
    {
        var summary = new EgressDecisionRecord(DateTimeOffset.UtcNow, RunId, EgressKinds.Dropped, "", 0, false, reason, null, null) { Dropped = _pending };
        EgressLog.DecisionsDropped(_logger, RunId, _pending, reason);
        if (TryWrite(summary, 0))
        {
            _pending = 0;
        }
    }

    /// <summary>Appends one line if it fits under the cap less <paramref name="reserve"/>; with no
    /// file (decisions in memory only) every line "fits".</summary>
    private bool TryWrite(EgressDecisionRecord record, int reserve)
    {
        if (_journal is null)
        {
            return true;
        }
        var line = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(record, EgressJsonContext.Default.EgressDecisionRecord) + "\n");
        if (_options.LogBytes > 0 && _bytes + line.Length > _options.LogBytes - reserve)
        {
            return false;
        }
        try
        {
            _journal.Write(line);
            _journal.Flush();
            _bytes += line.Length;
        }
        catch (IOException ex)
        {
            EgressLog.JournalFailed(_logger, RunId, JournalPath!, ex);
        }
        return true;
    }
}
