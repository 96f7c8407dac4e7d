namespace Labd.Store;

/// <summary>Who caused an event: a caller kind (admin, user, agent, experiment) or <c>labd</c> itself, and a uid when known.</summary>
internal sealed record Actor(string Kind, int? Uid)
{
    public static Actor Daemon { get; } = new("labd", null);
}
