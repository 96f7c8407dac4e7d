using System.Text.Json;
using Labd.Agents;
using Labd.Protocol;
using Labd.Runs;

namespace Labd.Api;

/// <summary>
/// <c>/v1/agents</c>: start (201), list (<c>?lab=</c>), show, stop, logs (NDJSON of
/// <see cref="AgentLogLine"/>), egress (NDJSON of a turn's <see cref="RunEgressDecision"/>). Users act on the agents of their own labs, admins on all; never
/// served on a sandbox's socket (<see cref="SandboxCallerRules"/>), and refused again here.
/// </summary>
internal static class AgentEndpoints
{
    private static readonly TimeSpan FollowInterval = TimeSpan.FromMilliseconds(100);

    public static IEndpointRouteBuilder MapAgents(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(Routes.Agents, async (HttpContext context, Caller caller, AgentService agents) =>
        {
            var request = await ReadAsync(context, ProtocolJsonContext.Default.AgentStartRequest,
                "{\"lab\": \"cifar\", \"kind\": \"claude\", \"intervalSeconds\": 900}").ConfigureAwait(false);
            var record = await agents.StartAsync(caller, request!, context.RequestAborted).ConfigureAwait(false);
            return Results.Json(record, ProtocolJsonContext.Default.AgentRecord, statusCode: StatusCodes.Status201Created);
        });
        endpoints.MapGet(Routes.Agents, async (string? lab, HttpContext context, Caller caller, AgentService agents) =>
            Results.Json(await agents.ListAsync(caller, lab, context.RequestAborted).ConfigureAwait(false), ProtocolJsonContext.Default.IReadOnlyListAgentRecord));
        endpoints.MapGet(Routes.Agents + "/{id:long}", async (long id, HttpContext context, Caller caller, AgentService agents) =>
            Results.Json(await agents.ShowAsync(caller, id, context.RequestAborted).ConfigureAwait(false), ProtocolJsonContext.Default.AgentRecord));
        endpoints.MapPost(Routes.Agents + "/{id:long}/stop", async (long id, HttpContext context, Caller caller, AgentService agents) =>
        {
            var request = context.Request.ContentLength is null or 0 && context.Request.Headers.TransferEncoding.Count == 0
                ? null
                : await ReadAsync(context, ProtocolJsonContext.Default.AgentStopRequest, "{\"graceSeconds\": 10}").ConfigureAwait(false);
            return Results.Json(await agents.StopAsync(caller, id, request, context.RequestAborted).ConfigureAwait(false), ProtocolJsonContext.Default.AgentRecord, statusCode: StatusCodes.Status202Accepted);
        });
        endpoints.MapGet(Routes.Agents + "/{id:long}/logs", (long id, bool? follow, int? turn, int? tail, HttpContext context, Caller caller, AgentService agents, AgentStore store, RunRegistry registry) =>
            LogsAsync(context, caller, agents, store, registry, id, follow ?? false, turn, tail));
        endpoints.MapGet(Routes.Agents + "/{id:long}/egress", (long id, int? turn, HttpContext context, Caller caller, AgentService agents, AgentStore store, RunRegistry registry) =>
            EgressAsync(context, caller, agents, store, registry, id, turn));
        return endpoints;
    }

    /// <summary>The egress decisions of one turn's sandbox (default: the latest turn that ran), as
    /// <c>GET /v1/runs/{id}/egress</c> serves a run's: why an agent could or could not reach its model API.</summary>
    private static async Task EgressAsync(HttpContext context, Caller caller, AgentService agents, AgentStore store, RunRegistry registry, long id, int? turn)
    {
        var cancellationToken = context.RequestAborted;
        await agents.VisibleAsync(caller, id, cancellationToken).ConfigureAwait(false);
        var turns = await store.TurnsAsync(id, int.MaxValue, cancellationToken).ConfigureAwait(false);
        var chosen = turn is { } number
            ? turns.FirstOrDefault(t => t.Number == number)
                ?? throw new LabdException(ErrorCode.NotFound, $"agent {id} has no turn {number} (yet); `labctl agent show {id}` lists its turns")
            : turns.LastOrDefault(t => RunOf(registry, t) is not null)
                ?? throw new LabdException(ErrorCode.NotFound, $"agent {id} has no turn with a sandbox yet; its first turn's decisions appear once it runs");
        var run = RunOf(registry, chosen)
            ?? throw new LabdException(ErrorCode.NotFound, $"agent {id} turn {chosen.Number} has no run directory (it never started, or its directory is gone)");
        await RunEndpoints.WriteEgressAsync(context, run).ConfigureAwait(false);
    }

    /// <summary>The turns' output in turn order; with <c>turn</c> one turn only; with <c>tail</c> the
    /// last N lines first; with <c>follow</c> until the turn (or, without <c>turn</c>, the agent) has ended.</summary>
    private static async Task LogsAsync(HttpContext context, Caller caller, AgentService agents, AgentStore store, RunRegistry registry, long id, bool follow, int? turn, int? tail)
    {
        var cancellationToken = context.RequestAborted;
        await agents.VisibleAsync(caller, id, cancellationToken).ConfigureAwait(false);
        if (tail is < 0)
        {
            throw new LabdException(ErrorCode.BadRequest, $"tail must be a number of lines (0 or more), got {tail}");
        }
        if (turn is { } only && !follow && await store.TurnAsync(id, only, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new LabdException(ErrorCode.NotFound, $"agent {id} has no turn {only} (yet); `labctl agent show {id}` lists its turns");
        }
        context.Response.ContentType = "application/x-ndjson";
        await context.Response.StartAsync(cancellationToken).ConfigureAwait(false);

        var pending = new List<TurnLog>();
        var next = turn ?? 1;
        if (tail is { } count)
        {
            // Newest turns first until enough lines; following then continues at the end of the last.
            var turns = await store.TurnsAsync(id, int.MaxValue, cancellationToken).ConfigureAwait(false);
            var chosen = turns.Where(t => turn is null || t.Number == turn).ToList();
            var lines = new List<AgentLogLine>();
            for (var i = chosen.Count - 1; i >= 0 && lines.Count < count; i--)
            {
                var log = new TurnLog(chosen[i].Number, RunOf(registry, chosen[i]));
                lines.InsertRange(0, log.Tail(count - lines.Count).Select(l => new AgentLogLine(log.Turn, l)));
                if (i == chosen.Count - 1)
                {
                    pending.Add(log);
                }
            }
            await WriteAsync(context, lines, cancellationToken).ConfigureAwait(false);
            next = chosen.Count > 0 ? chosen[^1].Number + 1 : next;
        }
        while (true)
        {
            // The agent's state first: a turn that exists when it is seen ended is surely listed below.
            var ended = !(await store.GetAsync(id, cancellationToken).ConfigureAwait(false))!.IsActive;
            foreach (var record in await store.TurnsAsync(id, int.MaxValue, cancellationToken).ConfigureAwait(false))
            {
                if (record.Number >= next && (turn is null || record.Number == turn))
                {
                    var run = RunOf(registry, record);
                    if (run is null && record.Status == "running")
                    {
                        // Recorded just before its sandbox is launched: its run appears in a moment.
                        break;
                    }
                    pending.Add(new TurnLog(record.Number, run));
                    next = record.Number + 1;
                }
            }
            while (pending.Count > 0)
            {
                var log = pending[0];
                await WriteAsync(context, log.Read().Select(l => new AgentLogLine(log.Turn, l)), cancellationToken).ConfigureAwait(false);
                if (!log.Done)
                {
                    break;
                }
                pending.RemoveAt(0);
            }
            if (!follow || (pending.Count == 0 && (ended || (turn is { } t && next > t))))
            {
                return;
            }
            await Task.Delay(FollowInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private static Run? RunOf(RunRegistry registry, AgentTurnRecord turn) => turn.RunId is { } runId ? registry.Find(runId) : null;

    private static async Task WriteAsync(HttpContext context, IEnumerable<AgentLogLine> lines, CancellationToken cancellationToken)
    {
        foreach (var line in lines)
        {
            await JsonSerializer.SerializeAsync(context.Response.Body, line, ProtocolJsonContext.Default.AgentLogLine, cancellationToken).ConfigureAwait(false);
            await context.Response.Body.WriteAsync("\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        }
        await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<T> ReadAsync<T>(HttpContext context, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string example)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(context.Request.Body, type, context.RequestAborted).ConfigureAwait(false)
                ?? throw new JsonException("the body is null");
        }
        catch (JsonException e)
        {
            throw new LabdException(ErrorCode.BadRequest, $"the body must be JSON like {example}: {e.Message}", e);
        }
    }
}
