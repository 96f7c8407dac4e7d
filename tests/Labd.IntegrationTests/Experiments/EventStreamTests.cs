using System.Text.Json;
using Labd.IntegrationTests.Agents;
using Labd.IntegrationTests.Daemon;
using Labd.Protocol;

namespace Labd.IntegrationTests.Experiments;

/// <summary>
/// <c>GET /v1/events</c> end to end through labd's socket: an experiment's life as a follower sees
/// it, resuming without loss or duplicates (after a disconnect and after a labd restart), and
/// <c>labctl exp wait --any</c>, which waits on it.
/// </summary>
public sealed class EventStreamTests
{
    /// <summary>How late an event may reach a follower after it was recorded (the bar).</summary>
    private static readonly TimeSpan Lag = TimeSpan.FromMilliseconds(200);

    private const string Train = "echo '{\"metrics\": {\"score\": 0.75}}'";

    [Fact(Timeout = 180_000)]
    public async Task A_follower_sees_queued_started_and_ended_with_metrics_within_200_ms()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await ExperimentsBed.StartAsync(ct);
        var root = await bed.CreateLabAsync("lab-ev", new Dictionary<string, string> { ["x"] = "x" }, ct);
        await using var follower = await EventFollower.OpenAsync(bed.Labd.SocketPath, Routes.EventsOf("lab-ev", ["exp"], follow: true), ct);

        var submitted = await bed.SubmitAsync("lab-ev", Request(root, "sleep 0.5; " + Train), ct);
        var seen = await follower.UntilAsync(e => e.Kind == "exp.end" && e.Subject == Id(submitted), ct);

        var mine = seen.Where(s => s.Record.Subject == Id(submitted)).ToList();
        Assert.Equal(["exp.submit", "exp.start", "exp.end"], mine.Select(s => s.Record.Kind));
        Assert.All(mine, s => Assert.Equal("lab-ev", s.Record.Lab));
        var end = mine[^1].Record.Data!.Value;
        Assert.Equal("succeeded", end.GetProperty("status").GetString());
        Assert.Equal(0.75, end.GetProperty("metrics").GetProperty("score").GetDouble());
        Assert.True(end.GetProperty("durationSeconds").GetDouble() >= 0.5, end.GetRawText());
        Assert.Equal(submitted.Label, mine[1].Record.Data!.Value.GetProperty("label").GetString());
        // The record's time is taken before its transaction commits, and on this shared 2-core box a
        // synchronous=FULL commit alone has taken 300 ms under load: the typical event (the median)
        // must meet the bar, none may be five times over it.
        var lags = mine.Select(s => s.Arrived - s.Record.At).Order().ToList();
        var text = string.Join(", ", mine.Select(s => $"{s.Record.Kind} {(s.Arrived - s.Record.At).TotalMilliseconds:0} ms"));
        Assert.True(lags[lags.Count / 2] <= Lag, $"median lag over {Lag.TotalMilliseconds} ms: {text}");
        Assert.True(lags[^1] <= 5 * Lag, $"an event arrived over {5 * Lag.TotalMilliseconds} ms late: {text}");
    }

    [Fact(Timeout = 180_000)]
    public async Task A_follower_that_reconnects_with_Last_Event_ID_misses_nothing_and_sees_nothing_twice()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await ExperimentsBed.StartAsync(ct);
        var root = await bed.CreateLabAsync("lab-rs", new Dictionary<string, string> { ["x"] = "x" }, ct);
        var route = Routes.EventsOf("lab-rs", follow: true);

        var before = new List<EventRecord>();
        var first = await bed.SubmitAsync("lab-rs", Request(root, Train), ct);
        await using (var follower = await EventFollower.OpenAsync(bed.Labd.SocketPath, Routes.EventsOf("lab-rs", since: 0, follow: true), ct))
        {
            before.AddRange((await follower.UntilAsync(e => e.Kind == "exp.start", ct)).Select(s => s.Record));
        }
        // While nobody follows: the first ends, a second is queued, runs and ends.
        var second = await bed.SubmitAsync("lab-rs", Request(root, Train), ct);
        await bed.WaitAsync(first.Id, ct);
        await bed.WaitAsync(second.Id, ct);
        await using var again = await EventFollower.OpenAsync(bed.Labd.SocketPath, route, ct, lastEventId: before[^1].Id);
        // Both ended before this follower connected, in either order: read until both ends are in.
        var ends = new HashSet<string>(StringComparer.Ordinal);
        var after = (await again.UntilAsync(e => e.Kind == "exp.end" && ends.Add(e.Subject!) && ends.Count == 2, ct)).Select(s => s.Record).ToList();

        var all = await ReadAllAsync(bed, Routes.EventsOf("lab-rs", since: 0), ct);
        var resumed = before.Concat(after).Select(e => e.Id).ToList();
        Assert.Equal(resumed.Distinct().Count(), resumed.Count);
        Assert.Equal(all.Select(e => e.Id).TakeWhile(id => id <= after[^1].Id), resumed);
        Assert.Contains(after, e => e.Kind == "exp.end" && e.Subject == Id(first));
    }

    [Fact(Timeout = 240_000)]
    public async Task Events_survive_a_labd_restart_and_a_follower_resumes_from_its_last_id()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await ExperimentsBed.StartAsync(ct);
        var root = await bed.CreateLabAsync("lab-rt", new Dictionary<string, string> { ["x"] = "x" }, ct);
        var first = await bed.SubmitAsync("lab-rt", Request(root, Train), ct);
        long last;
        await using (var follower = await EventFollower.OpenAsync(bed.Labd.SocketPath, Routes.EventsOf("lab-rt", since: 0, follow: true), ct))
        {
            last = (await follower.UntilAsync(e => e.Kind == "exp.end" && e.Subject == Id(first), ct))[^1].Record.Id;
            // SIGTERM, as systemctl restart sends: labd says why the stream ends and where to resume, then closes it.
            bed.Labd.Signal(15);
            Assert.Empty(await follower.RestAsync(ct));
            await bed.Labd.WaitForExitAsync(ct);
            Assert.NotNull(follower.End);
            Assert.Equal(last, follower.End.LastId);
        }
        await bed.RestartAsync(ct);

        var second = await bed.SubmitAsync("lab-rt", Request(root, Train), ct);
        await using var resumed = await EventFollower.OpenAsync(bed.Labd.SocketPath, Routes.EventsOf("lab-rt", since: last, follow: true), ct);
        var after = (await resumed.UntilAsync(e => e.Kind == "exp.end" && e.Subject == Id(second), ct)).Select(s => s.Record).ToList();

        Assert.All(after, e => Assert.True(e.Id > last));
        Assert.Equal(["exp.submit", "exp.start", "exp.end"], after.Select(e => e.Kind));
        var all = await ReadAllAsync(bed, Routes.EventsOf("lab-rt", since: 0), ct);
        Assert.Contains(all, e => e.Kind == "exp.end" && e.Subject == Id(first));
    }

    [Fact(Timeout = 180_000)]
    public async Task Exp_wait_any_returns_the_experiment_that_ends_next_and_refuses_when_none_is_active()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await ExperimentsBed.StartAsync(ct);
        var root = await bed.CreateLabAsync("lab-any", new Dictionary<string, string> { ["x"] = "x" }, ct);

        var idle = await LabctlAsync(bed, ct, "exp", "wait", "--any", "--lab", "lab-any");
        Assert.True(idle.ExitCode == 5, $"{idle.ExitCode}: {idle.Stdout}{idle.Stderr}");
        Assert.Contains("nothing to wait for", idle.Stderr, StringComparison.Ordinal);

        var slow = await bed.SubmitAsync("lab-any", Request(root, "sleep 60; " + Train), ct);
        var quick = await bed.SubmitAsync("lab-any", Request(root, "sleep 1; " + Train), ct);
        var waited = await LabctlAsync(bed, ct, "exp", "wait", "--any", "--lab", "lab-any", "-o", "json");
        await bed.PostAsync(Routes.ExperimentCancel(slow.Id), ct);

        Assert.True(waited.ExitCode == 0, $"{waited.ExitCode}: {waited.Stdout}{waited.Stderr}");
        var record = JsonSerializer.Deserialize(waited.Stdout, ProtocolJsonContext.Default.ExperimentRecord)!;
        Assert.Equal(quick.Id, record.Id);
        Assert.Equal(ExperimentRecord.Succeeded, record.Status);
    }

    private static ExperimentSubmitRequest Request(string root, string script) =>
        new(1, ["sh", "-c", script], root, 0, null, [], new Dictionary<string, string> { ["n"] = Guid.NewGuid().ToString("N") });

    private static string Id(ExperimentRecord e) => e.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<List<EventRecord>> ReadAllAsync(ExperimentsBed bed, string route, CancellationToken cancellationToken)
    {
        await using var follower = await EventFollower.OpenAsync(bed.Labd.SocketPath, route, cancellationToken);
        return await follower.RestAsync(cancellationToken);
    }

    private static Task<(int ExitCode, string Stdout, string Stderr)> LabctlAsync(ExperimentsBed bed, CancellationToken cancellationToken, params string[] args) =>
        Command.RunAsync(AgentsBed.LabctlPath, ["--socket", bed.Labd.SocketPath, .. args], cancellationToken);
}
