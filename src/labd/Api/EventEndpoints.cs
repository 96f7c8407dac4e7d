using System.Text.Json;
using Labd.Events;
using Labd.Protocol;
using Labd.Store;
using Labd.Tracker;

namespace Labd.Api;

/// <summary>
/// <c>GET /v1/events</c>: the event stream (server-sent events, <see cref="EventStream"/>) of what the
/// caller may see. <c>POST /v1/events</c> (admins): an admin annotation appended to the audit log,
/// like <c>logger(1)</c>; answers with the event id only after the row is committed.
/// </summary>
internal static class EventEndpoints
{
    internal const int MaxKindLength = 100;

    public static IEndpointRouteBuilder MapEvents(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Routes.Events, async (string? lab, string[]? kind, long? since, int? tail, bool? follow, HttpContext context, Caller caller, EventReader reader, LabAccess labs) =>
        {
            var filter = EventFilter.Parse(lab, kind ?? []);
            if (filter.Lab is { } id)
            {
                await labs.GetAsync(caller, id, manage: false, context.RequestAborted).ConfigureAwait(false);
            }
            await EventStream.WriteAsync(context, caller, reader, filter, since, tail, follow ?? false).ConfigureAwait(false);
        });
        endpoints.MapPost(Routes.Events, async (HttpContext context, StateStore store) =>
        {
            var caller = context.RequireAdmin("appending to the audit log");
            var request = await ReadAsync(context).ConfigureAwait(false);
            if (string.IsNullOrWhiteSpace(request.Kind) || request.Kind.Length > MaxKindLength)
            {
                throw new LabdException(ErrorCode.BadRequest, $"'kind' must be a non-empty string of at most {MaxKindLength} characters, e.g. {{\"kind\": \"note\", \"subject\": \"gpu3\", \"data\": {{...}}}}");
            }
            var data = request.Data is { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } d ? d.GetRawText() : null;
            var stored = await store.AppendEventAsync(new Actor(caller.KindName, caller.Uid), "admin." + request.Kind, request.Subject, data, context.RequestAborted).ConfigureAwait(false);
            return Results.Json(new EventAppended(stored.Id, stored.At), ProtocolJsonContext.Default.EventAppended, statusCode: StatusCodes.Status201Created);
        });
        return endpoints;
    }

    private static async Task<EventAppendRequest> ReadAsync(HttpContext context)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(context.Request.Body, ProtocolJsonContext.Default.EventAppendRequest, context.RequestAborted).ConfigureAwait(false)
                ?? throw new JsonException("the body is null");
        }
        catch (JsonException e)
        {
            throw new LabdException(ErrorCode.BadRequest, $"the body must be JSON like {{\"kind\": \"note\", \"subject\": \"...\", \"data\": {{}}}}: {e.Message}", e);
        }
    }
}
