using System.Net.Sockets;
using Labd.Logging;
using Serilog;
using Serilog.Context;

namespace Labd.Tests.Logging;

public sealed class JournaldSinkTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("labdt-journal-").FullName;
    private readonly Socket _journal = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly string _socketPath;

    public JournaldSinkTests()
    {
        _socketPath = Path.Combine(_dir, "socket");
        _journal.Bind(new UnixDomainSocketEndPoint(_socketPath));
    }

    public void Dispose()
    {
        _journal.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact(Timeout = 10000)]
    public async Task An_entry_carries_priority_identifier_message_and_labd_fields()
    {
        using (var logger = CreateLogger())
        using (LogContext.PushProperty("Run", "exp/3.2"))
        {
            logger.Warning("Run {Experiment} used {GpuCount} GPUs in {StateDir}", "exp/3", 2, "/var/lib/labd");
        }

        var fields = await ReceiveAsync(TestContext.Current.CancellationToken);

        Assert.Contains(("PRIORITY", "4"), fields);
        Assert.Contains(("SYSLOG_IDENTIFIER", "labd"), fields);
        Assert.Contains(("MESSAGE", "Run exp/3 used 2 GPUs in /var/lib/labd"), fields);
        Assert.Contains(("LABD_EXPERIMENT", "exp/3"), fields);
        Assert.Contains(("LABD_RUN", "exp/3.2"), fields);
        Assert.Contains(("LABD_GPU_COUNT", "2"), fields);
        Assert.Contains(("LABD_STATE_DIR", "/var/lib/labd"), fields);
    }

    [Fact(Timeout = 10000)]
    public async Task A_value_with_newlines_uses_the_length_prefixed_form_and_arrives_intact()
    {
        using (var logger = CreateLogger())
        {
            logger.Error(new InvalidOperationException("boom"), "Lab {Lab} failed", "lab\nwith newline");
        }

        var fields = await ReceiveAsync(TestContext.Current.CancellationToken);

        Assert.Contains(("PRIORITY", "3"), fields);
        Assert.Contains(("LABD_LAB", "lab\nwith newline"), fields);
        var message = Assert.Single(fields, f => f.Name == "MESSAGE").Value;
        Assert.StartsWith("Lab lab\nwith newline failed\nSystem.InvalidOperationException: boom", message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 10000)]
    public async Task A_huge_message_is_truncated_rather_than_lost()
    {
        using (var logger = CreateLogger())
        {
            logger.Information("{Blob}", new string('x', 1024 * 1024));
        }

        var fields = await ReceiveAsync(TestContext.Current.CancellationToken);

        var message = Assert.Single(fields, f => f.Name == "MESSAGE").Value;
        Assert.EndsWith("[truncated]", message, StringComparison.Ordinal);
        Assert.True(message.Length < 200 * 1024);
    }

    [Theory]
    [InlineData(Serilog.Events.LogEventLevel.Fatal, 2)]
    [InlineData(Serilog.Events.LogEventLevel.Error, 3)]
    [InlineData(Serilog.Events.LogEventLevel.Warning, 4)]
    [InlineData(Serilog.Events.LogEventLevel.Information, 6)]
    [InlineData(Serilog.Events.LogEventLevel.Debug, 7)]
    [InlineData(Serilog.Events.LogEventLevel.Verbose, 7)]
    public void Levels_map_to_syslog_priorities(Serilog.Events.LogEventLevel level, int priority) =>
        Assert.Equal(priority, JournalEntry.Priority(level));

    [Theory]
    [InlineData("Lab", "LABD_LAB")]
    [InlineData("Agent", "LABD_AGENT")]
    [InlineData("SourceContext", "LABD_SOURCE_CONTEXT")]
    [InlineData("weird-name.x", "LABD_WEIRD_NAME_X")]
    public void Property_names_become_journal_field_names(string property, string field) =>
        Assert.Equal(field, JournalEntry.FieldName(property));

    private Serilog.Core.Logger CreateLogger() =>
        new LoggerConfiguration().MinimumLevel.Verbose().Enrich.FromLogContext()
            .WriteTo.Sink(new JournaldSink(_socketPath)).CreateLogger();

    private async Task<List<(string Name, string Value)>> ReceiveAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[512 * 1024];
        var received = await _journal.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
        return JournalDatagramParser.Parse(buffer.AsSpan(0, received));
    }
}
