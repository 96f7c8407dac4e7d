using System.Text;
using System.Text.Json;
using Labd.Protocol;
using Labd.Runs;

namespace Labd.Api;

/// <summary>
/// <c>/v1/runs</c>: start a sandboxed run, list and show runs, follow a run's output, wait for
/// its end, cancel it, read its egress decisions. Users see their own runs; admins all.
/// </summary>
internal static class RunEndpoints
{
    private static readonly TimeSpan FollowInterval = TimeSpan.FromMilliseconds(50);

    public static IEndpointRouteBuilder MapRuns(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(Routes.Runs, async (HttpContext context, Caller caller, RunService runs) =>
        {
            var request = await ReadAsync(context).ConfigureAwait(false);
            var record = await runs.StartAsync(caller, request, context.RequestAborted).ConfigureAwait(false);
            return Results.Json(record, ProtocolJsonContext.Default.RunRecord, statusCode: StatusCodes.Status201Created);
        });
        endpoints.MapGet(Routes.Runs, async (HttpContext context, Caller caller, RunService runs) =>
            Results.Json(await runs.ListAsync(caller, context.RequestAborted).ConfigureAwait(false), ProtocolJsonContext.Default.IReadOnlyListRunRecord));
        endpoints.MapGet(Routes.Runs + "/{id}", async (string id, HttpContext context, Caller caller, RunService runs) =>
            Results.Json(await runs.GetAsync(caller, id, context.RequestAborted).ConfigureAwait(false), ProtocolJsonContext.Default.RunRecord));
        endpoints.MapGet(Routes.Runs + "/{id}/wait", async (string id, HttpContext context, Caller caller, RunService runs) =>
            Results.Json(await LongPoll.RunAsync(context, ct => runs.WaitAsync(caller, id, ct)).ConfigureAwait(false), ProtocolJsonContext.Default.RunRecord));
        endpoints.MapPost(Routes.Runs + "/{id}/cancel", async (string id, HttpContext context, Caller caller, RunService runs) =>
        {
            await runs.CancelAsync(caller, id, context.RequestAborted).ConfigureAwait(false);
            return Results.Accepted();
        });
        endpoints.MapGet(Routes.Runs + "/{id}/logs", (string id, bool? follow, HttpContext context, Caller caller, RunService runs) =>
            LogsAsync(context, caller, runs, id, follow ?? false));
        endpoints.MapGet(Routes.Runs + "/{id}/egress", (string id, HttpContext context, Caller caller, RunService runs) =>
            EgressAsync(context, caller, runs, id));
        return endpoints;
    }

    private static async Task LogsAsync(HttpContext context, Caller caller, RunService runs, string id, bool follow)
    {
        var cancellationToken = context.RequestAborted;
        var record = await runs.GetAsync(caller, id, cancellationToken).ConfigureAwait(false);
        Run? run;
        // A run is recorded just before its supervisor starts: a follower may come in between.
        while ((run = runs.Find(id)) is null && record.Status == RunRecord.Running)
        {
            await Task.Delay(FollowInterval, cancellationToken).ConfigureAwait(false);
            record = await runs.GetAsync(caller, id, cancellationToken).ConfigureAwait(false);
        }
        if (run is null)
        {
            throw new LabdException(ErrorCode.RunNotFound, $"run {id} has no output: it never started ({record.Message}) or its directory is gone");
        }
        await StreamLogAsync(context, run, follow, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a run's output log; with <paramref name="follow"/>, until the run has ended.</summary>
    internal static async Task StreamLogAsync(HttpContext context, Run run, bool follow, CancellationToken cancellationToken)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.StartAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[64 * 1024];
        long offset = 0;
        while (true)
        {
            // Read the exit first: output written before the exit record is then surely read below.
            var ended = run.TryGetExit() is not null;
            if (File.Exists(run.LogPath))
            {
                await using var log = new FileStream(run.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                log.Seek(offset, SeekOrigin.Begin);
                int read;
                while ((read = await log.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    offset += read;
                    await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
                await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            if (!follow || ended)
            {
                return;
            }
            await Task.Delay(FollowInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task EgressAsync(HttpContext context, Caller caller, RunService runs, string id)
    {
        await runs.GetAsync(caller, id, context.RequestAborted).ConfigureAwait(false);
        var run = runs.Find(id) ?? throw new LabdException(ErrorCode.RunNotFound, $"run {id} has no run directory any more; its egress log is gone");
        await WriteEgressAsync(context, run).ConfigureAwait(false);
    }

    /// <summary>A run's egress decisions (<c>egress.jsonl</c>) as NDJSON: complete lines only.</summary>
    internal static async Task WriteEgressAsync(HttpContext context, Run run)
    {
        context.Response.ContentType = "application/x-ndjson";
        var journal = Path.Combine(run.Paths.Directory, "egress.jsonl");
        if (!File.Exists(journal))
        {
            return;
        }
        var text = await File.ReadAllTextAsync(journal, context.RequestAborted).ConfigureAwait(false);
        // Only complete lines: the proxy may be appending one right now.
        var complete = text[..(text.LastIndexOf('\n') + 1)];
        await context.Response.WriteAsync(complete, Encoding.UTF8, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task<RunStartRequest> ReadAsync(HttpContext context)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(context.Request.Body, ProtocolJsonContext.Default.RunStartRequest, context.RequestAborted).ConfigureAwait(false)
                ?? throw new JsonException("the body is null");
        }
        catch (JsonException e)
        {
            throw new LabdException(ErrorCode.BadRequest, $"the body must be JSON like {{\"command\": [\"make\", \"test\"], \"workingDirectory\": \"/home/me/lab\", \"policy\": \"default\"}}: {e.Message}", e);
        }
    }
}
