namespace Labctl;

/// <summary>
/// labctl's process exit codes. Scripts depend on them: never renumber, only add.
/// The table is printed by <c>labctl --help</c> (see <see cref="Describe"/>) and docs/cli.md.
/// </summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int DaemonUnreachable = 3;
    public const int PermissionDenied = 4;
    public const int NotFound = 5;
    public const int Conflict = 6;
    public const int Invalid = 7;
    public const int Unavailable = 8;
    public const int TimedOut = 124;

    public static IReadOnlyList<(int Code, string Meaning)> Describe { get; } =
    [
        (Ok, "success"),
        (Failure, "failure (a doctor check failed, an error labctl has no better code for)"),
        (Usage, "usage error (unknown command or option, bad value)"),
        (DaemonUnreachable, "labd unreachable (no socket, connection refused, not answering)"),
        (PermissionDenied, "permission denied (socket access, or labd said forbidden)"),
        (NotFound, "not found"),
        (Conflict, "conflict (the object is in a state that does not allow this)"),
        (Invalid, "invalid request or policy"),
        (Unavailable, "labd cannot do this now (sandboxes unavailable, shutting down, too many writes: retry when it says)"),
        (TimedOut, "timed out waiting (msg wait; exp wait --timeout: the experiment is still queued or running; run: the command's time limit)"),
    ];
}
