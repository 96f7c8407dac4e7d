namespace Labd.Egress;

/// <summary>Outcome of looking at the first bytes of a TLS connection.</summary>
internal enum ClientHelloStatus
{
    /// <summary>The ClientHello is not complete yet; read more bytes and parse again.</summary>
    Incomplete,

    /// <summary>A well-formed ClientHello naming exactly one server.</summary>
    ServerName,

    /// <summary>Malformed, missing SNI, several names, ECH, …: the connection must be refused.</summary>
    Rejected,
}
