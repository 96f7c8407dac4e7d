using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Labd.Protocol;
using Labd.Tracker;

namespace Labd.Api;

/// <summary>
/// <c>/v1/labs</c>: labs, and per lab its ideas, notes, tags, messages, search, leaderboard, orient and
/// progress. Users work on their own labs, admins on all, agents and experiments on their scope's lab.
/// Every write is <see cref="Limited"/>.
/// </summary>
internal static class TrackerEndpoints
{
    internal const string Lab = Routes.Labs + "/{lab}";

    public static IEndpointRouteBuilder MapTracker(this IEndpointRouteBuilder endpoints)
    {
        var json = ProtocolJsonContext.Default;
        endpoints.MapGet(Routes.Labs, async (HttpContext context, Caller caller, LabService labs) =>
            Results.Json(await labs.ListAsync(caller, context.RequestAborted).ConfigureAwait(false), json.IReadOnlyListLabRecord));
        endpoints.MapPost(Routes.Labs, async (HttpContext context, Caller caller, LabService labs) =>
        {
            var request = await ReadAsync(context, json.LabInitRequest, """{"path": "/home/me/lab", "policy": "default", "metrics": [{"name": "score", "direction": "max"}]}""").ConfigureAwait(false);
            return Results.Json(await labs.InitAsync(caller, request, context.RequestAborted).ConfigureAwait(false), json.LabRecord, statusCode: StatusCodes.Status201Created);
        }).Limited();
        endpoints.MapGet(Routes.LabResolve, async (string? path, HttpContext context, Caller caller, LabService labs) =>
            Results.Json(await labs.ResolveAsync(caller, path, context.RequestAborted).ConfigureAwait(false), json.LabRef));
        endpoints.MapGet(Lab, async (string lab, HttpContext context, Caller caller, LabService labs) =>
            Results.Json(await labs.ShowAsync(caller, lab, context.RequestAborted).ConfigureAwait(false), json.LabRecord));
        endpoints.MapDelete(Lab, async (string lab, HttpContext context, Caller caller, LabService labs) =>
        {
            await labs.RemoveAsync(caller, lab, context.RequestAborted).ConfigureAwait(false);
            return Results.NoContent();
        });
        endpoints.MapPost(Lab + "/metrics", async (string lab, HttpContext context, Caller caller, LabService labs) =>
        {
            var request = await ReadAsync(context, json.LabMetricRequest, """{"name": "loss", "direction": "min"}""").ConfigureAwait(false);
            return Results.Json(await labs.SetMetricAsync(caller, lab, request, context.RequestAborted).ConfigureAwait(false), json.LabRecord);
        }).Limited();

        endpoints.MapGet(Lab + "/ideas", async (string lab, string? status, HttpContext context, Caller caller, IdeaService ideas) =>
            Results.Json(await ideas.ListAsync(caller, lab, status, context.RequestAborted).ConfigureAwait(false), json.IReadOnlyListIdeaRecord));
        endpoints.MapPost(Lab + "/ideas", async (string lab, HttpContext context, Caller caller, IdeaService ideas) =>
        {
            var request = await ReadAsync(context, json.IdeaNewRequest, """{"title": "cosine schedule", "parents": [1, 2]}""").ConfigureAwait(false);
            return Results.Json(await ideas.CreateAsync(caller, lab, request, context.RequestAborted).ConfigureAwait(false), json.IdeaRecord, statusCode: StatusCodes.Status201Created);
        }).Limited();
        endpoints.MapGet(Lab + "/ideas/{number:int}", async (string lab, int number, HttpContext context, Caller caller, IdeaService ideas) =>
            Results.Json(await ideas.ShowAsync(caller, lab, number, context.RequestAborted).ConfigureAwait(false), json.IdeaDetail));
        endpoints.MapPost(Lab + "/ideas/{number:int}/{action}", async (string lab, int number, string action, HttpContext context, Caller caller, IdeaService ideas) =>
        {
            var request = context.Request.ContentLength is 0 or null && context.Request.ContentType is null
                ? new IdeaTransitionRequest()
                : await ReadAsync(context, json.IdeaTransitionRequest, """{"text": "what we learned"}""").ConfigureAwait(false);
            return Results.Json(await ideas.TransitionAsync(caller, lab, number, action, request.Text, context.RequestAborted).ConfigureAwait(false), json.IdeaRecord);
        }).Limited();

        endpoints.MapGet(Lab + "/notes", async (string lab, int? idea, string? level, HttpContext context, Caller caller, NoteService notes) =>
            Results.Json(await notes.ListAsync(caller, lab, idea, level, context.RequestAborted).ConfigureAwait(false), json.IReadOnlyListNoteRecord));
        endpoints.MapPost(Lab + "/notes", async (string lab, HttpContext context, Caller caller, NoteService notes) =>
        {
            var request = await ReadAsync(context, json.NoteAddRequest, """{"text": "warmup matters", "idea": 3, "level": "insight"}""").ConfigureAwait(false);
            return Results.Json(await notes.AddAsync(caller, lab, request, context.RequestAborted).ConfigureAwait(false), json.NoteRecord, statusCode: StatusCodes.Status201Created);
        }).Limited();

        endpoints.MapGet(Lab + "/tags", async (string lab, HttpContext context, Caller caller, TagService tags) =>
            Results.Json(await tags.ListAsync(caller, lab, context.RequestAborted).ConfigureAwait(false), json.IReadOnlyListTagCount));
        endpoints.MapPost(Lab + "/tags/rename", async (string lab, HttpContext context, Caller caller, TagService tags) =>
        {
            var request = await ReadAsync(context, json.TagRenameRequest, """{"from": "base", "to": "baseline"}""").ConfigureAwait(false);
            return Results.Json(await tags.RenameAsync(caller, lab, request, context.RequestAborted).ConfigureAwait(false), json.TagRenameResult);
        }).Limited();

        endpoints.MapGet(Lab + "/messages", async (string lab, bool? unread, HttpContext context, Caller caller, MessageService messages) =>
            Results.Json(await messages.ListAsync(caller, lab, unread ?? false, context.RequestAborted).ConfigureAwait(false), json.IReadOnlyListMessageRecord));
        endpoints.MapGet(Lab + "/messages/wait", async (string lab, int? timeoutSeconds, HttpContext context, Caller caller, MessageService messages) =>
        {
            var seconds = timeoutSeconds ?? 600;
            if (seconds < 0 || seconds > MessageService.MaxWait.TotalSeconds)
            {
                throw new LabdException(ErrorCode.BadRequest, $"timeoutSeconds must be 0 to {MessageService.MaxWait.TotalSeconds:0}; wait again for longer");
            }
            return Results.Json(await messages.WaitAsync(caller, lab, TimeSpan.FromSeconds(seconds), context.RequestAborted).ConfigureAwait(false), json.IReadOnlyListMessageRecord);
        });
        endpoints.MapPost(Lab + "/messages", async (string lab, HttpContext context, Caller caller, MessageService messages) =>
        {
            var request = await ReadAsync(context, json.MessageSendRequest, """{"text": "GPU 2 is flaky", "to": "all"}""").ConfigureAwait(false);
            return Results.Json(await messages.SendAsync(caller, lab, request, context.RequestAborted).ConfigureAwait(false), json.MessageRecord, statusCode: StatusCodes.Status201Created);
        }).Limited();

        endpoints.MapGet(Lab + "/search", async (string lab, string? q, int? limit, HttpContext context, Caller caller, SearchService search) =>
            Results.Json(await search.SearchAsync(caller, lab, q, limit, context.RequestAborted).ConfigureAwait(false), json.IReadOnlyListSearchHit));
        endpoints.MapGet(Lab + "/leaderboard", async (string lab, string? metric, string? tag, int? limit, int? idea, HttpContext context, Caller caller, LeaderboardService board) =>
            Results.Json(await board.GetAsync(caller, lab, metric, tag, limit, idea, context.RequestAborted).ConfigureAwait(false), json.Leaderboard));
        endpoints.MapGet(Lab + "/progress", async (string lab, string? metric, HttpContext context, Caller caller, LeaderboardService board) =>
            Results.Json(await board.ProgressAsync(caller, lab, metric, context.RequestAborted).ConfigureAwait(false), json.Progress));
        endpoints.MapGet(Lab + "/orient", async (string lab, HttpContext context, Caller caller, OrientService orient) =>
            Results.Json(await orient.OrientAsync(caller, lab, context.RequestAborted).ConfigureAwait(false), json.Orientation));
        return endpoints;
    }

    /// <summary>A tracker write: body size and per-caller rate limited by <see cref="WriteQuota"/>.</summary>
    internal static RouteHandlerBuilder Limited(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter((context, next) => context.HttpContext.RequestServices.GetRequiredService<WriteQuota>().InvokeAsync(context, next));

    private static async Task<T> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> typeInfo, string example)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(context.Request.Body, typeInfo, context.RequestAborted).ConfigureAwait(false)
                ?? throw new JsonException("the body is null");
        }
        catch (JsonException e)
        {
            throw new LabdException(ErrorCode.BadRequest, $"the body must be JSON like {example}: {e.Message}", e);
        }
    }
}
