namespace Labctl.Client;

/// <summary>
/// labctl could not talk to labd at all: no socket, connection refused, permission denied on
/// the socket, or an answer that is not HTTP. <see cref="Detail"/> names the socket and the cause.
/// </summary>
internal sealed class LabdUnreachableException : Exception
{
    public LabdUnreachableException(string socketPath, string detail, bool permissionDenied, Exception? inner)
        : base(detail, inner)
    {
        SocketPath = socketPath;
        Detail = detail;
        PermissionDenied = permissionDenied;
    }

    public string SocketPath { get; }

    public string Detail { get; }

    /// <summary>The socket exists but the caller may not connect (EACCES).</summary>
    public bool PermissionDenied { get; }

    public int ExitCode => PermissionDenied ? ExitCodes.PermissionDenied : ExitCodes.DaemonUnreachable;
}
