using System.Text.Json;

namespace Labd.Protocol;

/// <summary>
/// One state change as <c>GET /v1/events</c> streams it (the <c>data:</c> of a server-sent event
/// whose <c>id:</c> is <see cref="Id"/>). <see cref="Kind"/> names the change (<c>exp.submit</c>,
/// <c>exp.start</c>, <c>exp.end</c>, <c>idea.new</c>, <c>note.add</c>, <c>agent.turn.end</c>, ...;
/// docs/api.md lists them with their <see cref="Data"/>); <see cref="Lab"/> is the lab it belongs
/// to, null for host-wide changes (policy reloads, runs, admin notes), which only admins see.
/// </summary>
public sealed record EventRecord(long Id, DateTimeOffset At, string Kind, string? Lab, string? Subject, string Actor, int? ActorUid, JsonElement? Data)
{
    /// <summary>The SSE event name of the record that ends a stream early (a follower that fell
    /// behind, labd stopping); its data is <see cref="EventStreamEnd"/>. Records have no event name.</summary>
    public const string EndEventName = "end";
}
