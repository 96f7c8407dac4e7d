using System.Net;
using System.Text;
using System.Text.Json.Serialization.Metadata;
using Labctl.Client;
using Labd.Protocol;

namespace Labctl.Mcp;

/// <summary>The tracker's tools: orient, leaderboard, search, ideas, notes, messages and the guide.</summary>
internal static class TrackerTools
{
    /// <summary>Bounds what <c>lab_guide</c> reads: labd's guide is a few kilobytes.</summary>
    internal const int MaxGuideChars = 256 * 1024;

    public static IEnumerable<LabTool> Create() =>
    [
        new("lab_orient",
            "Start every turn here. Where the lab stands: active ideas with their best values, running and queued experiments, the best result, failures since your last orient, unread messages (marked read by this call), suggested ideas, and your remaining budget.",
            """{"type":"object","properties":{},"additionalProperties":false}""",
            (session, _, ct) => GetAsync(session, Routes.LabOrient, ProtocolJsonContext.Default.Orientation, ct)),

        new("lab_leaderboard",
            "Succeeded experiments ranked by a metric in its direction, with the delta vs the parent ideas' best and vs the baseline.",
            """
            {"type":"object","properties":{
              "metric":{"type":"string","description":"Metric to rank by (default: the lab's primary metric)"},
              "limit":{"type":"integer","minimum":1,"description":"At most this many rows (default 20)"}
            },"additionalProperties":false}
            """,
            (session, args, ct) => GetAsync(session, lab => Routes.LabLeaderboard(lab, args.OptionalString("metric"), limit: args.OptionalInt("limit")), ProtocolJsonContext.Default.Leaderboard, ct)),

        new("lab_search",
            "Full-text search over the lab's ideas, notes, experiments and messages, best match first. Search before starting an idea: it may have been tried.",
            """
            {"type":"object","properties":{
              "query":{"type":"string","description":"Words to find (all must occur)"},
              "limit":{"type":"integer","minimum":1,"description":"At most this many results (default 20)"}
            },"required":["query"],"additionalProperties":false}
            """,
            (session, args, ct) => GetAsync(session, lab => Routes.LabSearch(lab, args.String("query"), args.OptionalInt("limit")), ProtocolJsonContext.Default.IReadOnlyListSearchHit, ct)),

        new("lab_idea_new",
            "Create an idea: a git branch idea/<n> from the lab's main branch, from one parent idea, or merging several. Returns the idea (number, branch, base commit). Commit your changes on its branch, then lab_exp_run.",
            """
            {"type":"object","properties":{
              "title":{"type":"string","description":"What the idea tries, in a few words"},
              "description":{"type":"string","description":"Why and how, longer"},
              "parents":{"type":"array","items":{"type":"integer"},"description":"Parent idea numbers (none: from main; two or more: a merge)"}
            },"required":["title"],"additionalProperties":false}
            """,
            (session, args, ct) => PostAsync(session, lab => Routes.LabIdeas(lab),
                new IdeaNewRequest(args.String("title"), args.OptionalInts("parents") ?? [], args.OptionalString("description")),
                ProtocolJsonContext.Default.IdeaNewRequest, ProtocolJsonContext.Default.IdeaRecord, ct)),

        new("lab_idea_note",
            "Add a note to the lab's notebook, optionally about one idea: what you observed, learned or decided.",
            """
            {"type":"object","properties":{
              "text":{"type":"string","description":"The note"},
              "idea":{"type":"integer","description":"The idea it is about"},
              "level":{"type":"string","enum":["insight","milestone","observation","debug"],"description":"Default observation"}
            },"required":["text"],"additionalProperties":false}
            """,
            (session, args, ct) => PostAsync(session, lab => Routes.LabNotes(lab),
                new NoteAddRequest(args.String("text"), args.OptionalInt("idea"), args.OptionalString("level")),
                ProtocolJsonContext.Default.NoteAddRequest, ProtocolJsonContext.Default.NoteRecord, ct)),

        new("lab_idea_conclude",
            "Conclude an active idea with what it showed (numbers, not adjectives). A concluded idea takes no more experiments.",
            """
            {"type":"object","properties":{
              "idea":{"type":"integer","description":"The idea number"},
              "conclusion":{"type":"string","description":"What the idea showed"}
            },"required":["idea","conclusion"],"additionalProperties":false}
            """,
            (session, args, ct) => PostAsync(session, lab => Routes.LabIdeaAction(lab, args.Int("idea"), "conclude"),
                new IdeaTransitionRequest(args.String("conclusion")),
                ProtocolJsonContext.Default.IdeaTransitionRequest, ProtocolJsonContext.Default.IdeaRecord, ct)),

        new("lab_msg_send",
            "Send a message on the lab's board.",
            """
            {"type":"object","properties":{
              "to":{"type":"string","description":"all, user (the lab's people), role:R (agents of role R) or agent:ID"},
              "text":{"type":"string","description":"The message"}
            },"required":["to","text"],"additionalProperties":false}
            """,
            (session, args, ct) => PostAsync(session, lab => Routes.LabMessages(lab),
                new MessageSendRequest(args.String("text"), args.String("to")),
                ProtocolJsonContext.Default.MessageSendRequest, ProtocolJsonContext.Default.MessageRecord, ct)),

        new("lab_msg_ls",
            "List the lab's messages to you (and mark them read).",
            """
            {"type":"object","properties":{
              "unread":{"type":"boolean","description":"Only those you have not read yet"}
            },"additionalProperties":false}
            """,
            (session, args, ct) => GetAsync(session, lab => Routes.LabMessages(lab, args.OptionalBool("unread") ?? false), ProtocolJsonContext.Default.IReadOnlyListMessageRecord, ct)),

        new("lab_guide",
            "labd's guide for agents (markdown): what to call first, the metrics contract (an experiment's last output line {\"metrics\": {...}}), how to wait.",
            """{"type":"object","properties":{},"additionalProperties":false}""",
            (session, _, ct) => GuideAsync(session, ct)),
    ];

    private static async Task<string> GetAsync<T>(LabSession session, Func<string, string> route, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var client = session.Connect();
        var lab = await session.LabAsync(client, cancellationToken).ConfigureAwait(false);
        var response = await client.GetAsync(route(lab), type, cancellationToken).ConfigureAwait(false);
        return CompactJson.Of(response.Body);
    }

    private static async Task<string> PostAsync<TBody, T>(LabSession session, Func<string, string> route, TBody body, JsonTypeInfo<TBody> bodyType, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var client = session.Connect();
        var lab = await session.LabAsync(client, cancellationToken).ConfigureAwait(false);
        var response = await client.PostAsync(route(lab), body, bodyType, type, cancellationToken).ConfigureAwait(false)
            ?? throw new ToolException("labd sent an empty answer");
        return CompactJson.Of(response.Body);
    }

    private static async Task<string> GuideAsync(LabSession session, CancellationToken cancellationToken)
    {
        using var client = session.Connect();
        var text = new StringBuilder();
        var decoder = Encoding.UTF8.GetDecoder();
        try
        {
            await client.StreamAsync(Routes.Guide, (bytes, _) =>
            {
                var chars = new char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
                var count = decoder.GetChars(bytes.Span, chars, flush: false);
                text.Append(chars, 0, Math.Min(count, Math.Max(0, MaxGuideChars - text.Length)));
                return Task.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (LabdApiException e) when (e.Status == HttpStatusCode.NotFound)
        {
            throw new ToolException($"this labd serves no agent guide ({Routes.Guide} answered 404: it predates agents); see `labctl version` and upgrade labd");
        }
        return text.ToString();
    }
}
