namespace Labd.Api;

/// <summary>
/// Who is calling, derived from SO_PEERCRED on the connection (never from the request).
/// <see cref="Scope"/> is set for <see cref="CallerKind.Agent"/> and <see cref="CallerKind.Experiment"/> only.
/// </summary>
internal sealed record Caller(CallerKind Kind, int Uid, int Gid, int Pid, string UserName, CallerScope? Scope = null)
{
    public bool IsAdmin => Kind == CallerKind.Admin;

    /// <summary>Lets a minimal-API handler take <c>Caller caller</c> as a parameter.</summary>
    public static ValueTask<Caller?> BindAsync(HttpContext context) => ValueTask.FromResult<Caller?>(context.GetCaller());

    /// <summary>Wire spelling of <see cref="Kind"/>: admin, user, agent, experiment.</summary>
    public string KindName => Kind switch
    {
        CallerKind.Admin => "admin",
        CallerKind.User => "user",
        CallerKind.Agent => "agent",
        _ => "experiment",
    };
}
