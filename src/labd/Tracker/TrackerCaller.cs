using Labd.Api;
using Labd.Store;

namespace Labd.Tracker;

/// <summary>How the tracker names a caller in its tables (<c>user:1000</c>, <c>agent:a1</c>) and in events.</summary>
internal static class TrackerCaller
{
    /// <summary>The actor string stored in created_by, author, sender, reader.</summary>
    public static string ActorOf(Caller caller) => caller.Kind switch
    {
        CallerKind.Admin => "admin:" + Db.Text(caller.Uid),
        CallerKind.User => "user:" + Db.Text(caller.Uid),
        CallerKind.Agent => "agent:" + (caller.Scope?.AgentId ?? Db.Text(caller.Uid)),
        _ => "experiment:" + (caller.Scope?.RunId ?? Db.Text(caller.Uid)),
    };

    public static Actor EventActor(Caller caller) => new(caller.KindName, caller.Uid);

    /// <summary>Whether the caller is a sandboxed agent or experiment (confined to its scope's lab).</summary>
    public static bool IsSandboxed(Caller caller) => caller.Kind is CallerKind.Agent or CallerKind.Experiment;

    /// <summary>The message recipients addressed to this caller besides <c>all</c>: <c>user</c> for people,
    /// <c>agent:ID</c> and <c>role:R</c> (its own role) for agents.</summary>
    public static bool Receives(Caller caller, string recipient) =>
        recipient == "all"
        || (!IsSandboxed(caller) && recipient == "user")
        || (caller.Kind == CallerKind.Agent && (recipient == ActorOf(caller) || (caller.Scope?.Role is { } role && recipient == "role:" + role)));
}
