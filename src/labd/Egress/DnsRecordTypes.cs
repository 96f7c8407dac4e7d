namespace Labd.Egress;

/// <summary>DNS constants used here (RFC 1035, RFC 3596).</summary>
internal static class DnsRecordTypes
{
    public const ushort A = 1;
    public const ushort Aaaa = 28;
    public const ushort ClassIn = 1;
    public const byte NoError = 0;
    public const byte FormErr = 1;
    public const byte ServFail = 2;
    public const byte NxDomain = 3;
    public const byte Refused = 5;
}
