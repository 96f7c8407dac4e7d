using System.Text.Json;
using Labd.Egress;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Labd.Tests.Egress;

public sealed class EgressDecisionLogTests : IDisposable
{
    private readonly DirectoryInfo _runDirectory = Directory.CreateTempSubdirectory("labdt-egress-log-");

    [Fact]
    public void Decisions_go_to_the_ring_the_jsonl_file_and_the_logger_with_structured_properties()
    {
        var logger = new CapturingLogger();
        using (var log = new EgressDecisionLog("run-7", _runDirectory.FullName, capacity: 2, logger))
        {
            log.Record(EgressKinds.Tls, "allowed.test", 443, true, "rule", "198.51.100.10");
            log.Record(EgressKinds.Http, "denied.test", 80, false, "no rule allows denied.test");
            log.Record(EgressKinds.Dns, "evil.test", 53, false, "name not allowed by policy");

            Assert.Equal(["denied.test", "evil.test"], log.Recent().Select(r => r.Host));
        }

        var lines = File.ReadAllLines(Path.Combine(_runDirectory.FullName, EgressDecisionLog.FileName));
        Assert.Equal(3, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal("allowed.test", first.RootElement.GetProperty("host").GetString());
        Assert.Equal("198.51.100.10", first.RootElement.GetProperty("resolvedAddress").GetString());
        Assert.True(first.RootElement.GetProperty("allowed").GetBoolean());

        var denied = logger.Entries[1];
        Assert.Equal("run-7", denied["Run"]);
        Assert.Equal("denied.test", denied["Host"]);
        Assert.Equal(80, denied["Port"]);
        Assert.Equal("deny", denied["Decision"]);
    }

    [Fact]
    public void Decisions_past_the_size_cap_are_counted_in_a_dropped_line_and_the_file_stays_within_the_cap()
    {
        var options = new EgressOptions { LogLinesPerSecond = 0, LogBytes = 8192 };
        using (var log = new EgressDecisionLog("run-8", _runDirectory.FullName, capacity: 4, NullLogger.Instance, options))
        {
            for (var i = 0; i < 500; i++)
            {
                log.Record(EgressKinds.Dns, $"q{i}.evil.test", 53, false, "name not allowed by policy");
            }
            Assert.True(log.Dropped > 0);
        }

        var path = Path.Combine(_runDirectory.FullName, EgressDecisionLog.FileName);
        var (decisions, dropped) = Count(path);
        Assert.True(new FileInfo(path).Length <= 8192, $"{new FileInfo(path).Length} bytes");
        Assert.Equal(500, decisions + dropped);
        Assert.True(dropped > 0);
    }

    [Fact]
    public void Without_limits_every_decision_is_written()
    {
        using (var log = new EgressDecisionLog("run-9", _runDirectory.FullName, capacity: 4, NullLogger.Instance, new EgressOptions { LogLinesPerSecond = 0, LogBytes = 0 }))
        {
            for (var i = 0; i < 500; i++)
            {
                log.Record(EgressKinds.Dns, $"q{i}.evil.test", 53, false, "name not allowed by policy");
            }
        }

        Assert.Equal((500, 0L), Count(Path.Combine(_runDirectory.FullName, EgressDecisionLog.FileName)));
    }

    private static (int Decisions, long Dropped) Count(string path)
    {
        var decisions = 0;
        var dropped = 0L;
        foreach (var line in File.ReadAllLines(path))
        {
            using var json = JsonDocument.Parse(line);
            if (json.RootElement.GetProperty("kind").GetString() == EgressKinds.Dropped)
            {
                dropped += json.RootElement.GetProperty("dropped").GetInt64();
            }
            else
            {
                decisions++;
            }
        }
        return (decisions, dropped);
    }

    public void Dispose() => _runDirectory.Delete(recursive: true);

    private sealed class CapturingLogger : ILogger
    {
        public List<Dictionary<string, object?>> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (state is IReadOnlyList<KeyValuePair<string, object?>> properties)
            {
                Entries.Add(properties.ToDictionary(p => p.Key, p => p.Value));
            }
        }
    }
}
