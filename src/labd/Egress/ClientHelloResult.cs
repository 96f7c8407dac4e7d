namespace Labd.Egress;

/// <summary>What <see cref="ClientHelloParser"/> found. <see cref="ServerName"/> is the raw
/// name as the client sent it (never lower-cased or trimmed): the policy decides on it.</summary>
internal readonly record struct ClientHelloResult(ClientHelloStatus Status, string? ServerName, string? Reason)
{
    public static ClientHelloResult Incomplete { get; } = new(ClientHelloStatus.Incomplete, null, null);

    public static ClientHelloResult Reject(string reason) => new(ClientHelloStatus.Rejected, null, reason);

    public static ClientHelloResult Name(string name) => new(ClientHelloStatus.ServerName, name, null);
}
