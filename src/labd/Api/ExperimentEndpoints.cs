using System.Text.Json;
using Labd.Experiments;
using Labd.Protocol;

namespace Labd.Api;

/// <summary>
/// <c>/v1/labs/{lab}/experiments</c> (submit, list, find by label) and <c>/v1/experiments/{id}</c>
/// (show, wait, cancel, logs, live metrics and progress). Callers see the experiments of their
/// labs; admins all; agents and experiments their own lab only.
/// </summary>
internal static class ExperimentEndpoints
{
    private static readonly TimeSpan FollowInterval = TimeSpan.FromMilliseconds(50);

    public static IEndpointRouteBuilder MapExperiments(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(Routes.Labs + "/{lab}/experiments", async (string lab, HttpContext context, Caller caller, ExperimentService experiments) =>
        {
            var request = await ReadAsync(context).ConfigureAwait(false);
            var record = await experiments.SubmitAsync(caller, lab, request, context.RequestAborted).ConfigureAwait(false);
            return Results.Json(record, ProtocolJsonContext.Default.ExperimentRecord, statusCode: StatusCodes.Status201Created);
        }).Limited();
        endpoints.MapGet(Routes.Labs + "/{lab}/experiments", async (string lab, int? idea, string? status, string? tag, HttpContext context, Caller caller, ExperimentService experiments) =>
            Results.Json(await experiments.ListAsync(caller, lab, idea, status, tag, context.RequestAborted).ConfigureAwait(false), ProtocolJsonContext.Default.IReadOnlyListExperimentRecord));
        endpoints.MapGet(Routes.Labs + "/{lab}/experiments/{label}", async (string lab, string label, HttpContext context, Caller caller, ExperimentService experiments) =>
            Results.Json(await experiments.GetByLabelAsync(caller, lab, label, context.RequestAborted).ConfigureAwait(false), ProtocolJsonContext.Default.ExperimentRecord));
        endpoints.MapGet(Routes.Experiments, async (string? lab, int? idea, string? status, string? tag, HttpContext context, Caller caller, ExperimentService experiments) =>
            Results.Json(await experiments.ListAsync(caller, lab, idea, status, tag, context.RequestAborted).ConfigureAwait(false), ProtocolJsonContext.Default.IReadOnlyListExperimentRecord));
        endpoints.MapGet(Routes.Experiments + "/{id:long}", async (long id, HttpContext context, Caller caller, ExperimentService experiments) =>
            Results.Json(await experiments.GetAsync(caller, id, context.RequestAborted).ConfigureAwait(false), ProtocolJsonContext.Default.ExperimentRecord));
        endpoints.MapGet(Routes.Experiments + "/{id:long}/wait", async (long id, HttpContext context, Caller caller, ExperimentService experiments) =>
            Results.Json(await LongPoll.RunAsync(context, ct => experiments.WaitAsync(caller, id, ct)).ConfigureAwait(false), ProtocolJsonContext.Default.ExperimentRecord));
        endpoints.MapPost(Routes.Experiments + "/{id:long}/cancel", async (long id, HttpContext context, Caller caller, ExperimentService experiments) =>
            Results.Json(await experiments.CancelAsync(caller, id, context.RequestAborted).ConfigureAwait(false), ProtocolJsonContext.Default.ExperimentRecord, statusCode: StatusCodes.Status202Accepted));
        endpoints.MapGet(Routes.Experiments + "/{id:long}/metrics", async (long id, HttpContext context, Caller caller, ExperimentService experiments) =>
            Results.Text(experiments.LiveMetrics(await experiments.GetAsync(caller, id, context.RequestAborted).ConfigureAwait(false)), "application/x-ndjson"));
        endpoints.MapGet(Routes.Experiments + "/{id:long}/progress", async (long id, HttpContext context, Caller caller, ExperimentService experiments) =>
            Results.Text(experiments.Progress(await experiments.GetAsync(caller, id, context.RequestAborted).ConfigureAwait(false)), "text/plain; charset=utf-8"));
        endpoints.MapGet(Routes.Experiments + "/{id:long}/logs", (long id, bool? follow, HttpContext context, Caller caller, ExperimentService experiments) =>
            LogsAsync(context, caller, experiments, id, follow ?? false));
        return endpoints;
    }

    private static async Task LogsAsync(HttpContext context, Caller caller, ExperimentService experiments, long id, bool follow)
    {
        var cancellationToken = context.RequestAborted;
        var record = await experiments.GetAsync(caller, id, cancellationToken).ConfigureAwait(false);
        Runs.Run? run;
        // Queued, or recorded as started just before its supervisor is up: a follower waits.
        while ((run = experiments.RunOf(record)) is null && follow && !record.IsTerminal)
        {
            await Task.Delay(FollowInterval, cancellationToken).ConfigureAwait(false);
            record = await experiments.GetAsync(caller, id, cancellationToken).ConfigureAwait(false);
        }
        if (run is null)
        {
            throw new LabdException(ErrorCode.NotFound, record.Status == ExperimentRecord.Queued
                ? $"{record.Label} is queued and has no output yet; follow it with `labctl exp logs -f {record.Label}`"
                : $"{record.Label} has no output: {record.Reason ?? "its run directory is gone"}");
        }
        await RunEndpoints.StreamLogAsync(context, run, follow, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<ExperimentSubmitRequest> ReadAsync(HttpContext context)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(context.Request.Body, ProtocolJsonContext.Default.ExperimentSubmitRequest, context.RequestAborted).ConfigureAwait(false)
                ?? throw new JsonException("the body is null");
        }
        catch (JsonException e)
        {
            throw new LabdException(ErrorCode.BadRequest, $"the body must be JSON like {{\"idea\": 1, \"command\": [\"python3\", \"train.py\"], \"sourceDirectory\": \"/home/me/lab\"}}: {e.Message}", e);
        }
    }
}
