using System.Text.Json;
using Labd.Egress;
using Microsoft.Extensions.Logging;

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
