namespace Labd.Egress;

/// <summary>Values of <see cref="EgressDecisionRecord.Kind"/>.</summary>
internal static class EgressKinds
{
    public const string Tls = "tls";
    public const string Http = "http";
    public const string Connect = "connect";
    public const string Dns = "dns";
    public const string Unknown = "unknown";

    /// <summary>Not a decision: a count of decisions not logged (<see cref="EgressDecisionRecord.Dropped"/>).</summary>
    public const string Dropped = "dropped";
}
