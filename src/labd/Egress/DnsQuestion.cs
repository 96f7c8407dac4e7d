namespace Labd.Egress;

/// <summary>The single question of a DNS query (RFC 1035 §4.1.2). <see cref="Name"/> is
/// dotted, without the trailing dot, with the case the client sent.</summary>
internal sealed record DnsQuestion(ushort Id, bool RecursionDesired, string Name, ushort Type, ushort Class, byte[] RawQuestion);
